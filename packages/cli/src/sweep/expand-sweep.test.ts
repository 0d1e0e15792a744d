import { StudySpecError, Tdlab } from '@tdlab/core';
import { describe, expect, it } from 'vitest';
import { firstPartyPlugins } from '../first-party-plugins.js';
import { diagramAxes, planSweep } from './expand-sweep.js';

const kernel = new Tdlab(firstPartyPlugins);
const validate = (spec: Record<string, unknown>) => void kernel.validate(spec);

function study(sweep: unknown): Record<string, unknown> {
  return {
    name: 'uv-sweep',
    seed: 0,
    data: { use: 'single-example', x: [1], y: 0 },
    model: { use: 'uv', width: 100 },
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: 1 } },
    steps: 10,
    sweep,
  };
}

/** The issues of the StudySpecError that `work` throws, as "path: message" lines. */
function issuesOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof StudySpecError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a StudySpecError');
}

describe('planSweep: expansion', () => {
  it('grid: the cartesian product, first axis outermost, values set by path in copies of the study', () => {
    const spec = study({ grid: { 'schedule.lr.normalized': [0.5, 1, 1.5], 'model.width': [100, 1000], seed: [0, 1] } });
    const plan = planSweep(spec, '/base', validate);
    expect(plan.name).toBe('uv-sweep');
    expect(plan.baseDir).toBe('/base');
    expect(plan.axes).toEqual(['schedule.lr.normalized', 'model.width', 'seed']);
    expect(plan.runs).toHaveLength(12);
    expect(plan.runs.map((run) => Object.values(run.axes))).toEqual(
      [0.5, 1, 1.5].flatMap((r) => [100, 1000].flatMap((m) => [0, 1].map((s) => [r, m, s]))),
    );
    const run = plan.runs[7];
    expect(run.axes).toEqual({ 'schedule.lr.normalized': 1, 'model.width': 1000, seed: 1 });
    expect(run.spec).toMatchObject({ name: 'uv-sweep', seed: 1, model: { use: 'uv', width: 1000 }, schedule: { use: 'constant', lr: { normalized: 1 } } });
    expect(run.spec).not.toHaveProperty('sweep');
    // Deep copies: the study and the other runs are untouched.
    expect((spec.model as { width: number }).width).toBe(100);
    expect(plan.runs[0].spec.model).toEqual({ use: 'uv', width: 100 });
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(12);
    expect(run.id).toMatch(/^uv-sweep-[0-9a-f]{12}$/);
  });

  it('zip: axes varied together; combined with grid as a product', () => {
    const plan = planSweep(study({ grid: { seed: [0, 1, 2] }, zip: { 'model.width': [100, 1000], steps: [5, 50] } }), '.', validate);
    expect(plan.axes).toEqual(['seed', 'model.width', 'steps']);
    expect(plan.runs.map((run) => [run.axes.seed, run.axes['model.width'], run.axes.steps])).toEqual([
      [0, 100, 5],
      [0, 1000, 50],
      [1, 100, 5],
      [1, 1000, 50],
      [2, 100, 5],
      [2, 1000, 50],
    ]);
    expect(plan.runs[1].spec).toMatchObject({ steps: 50, model: { width: 1000 } });
  });

  it('random: `samples` draws within the distributions, the same for the same seed, others for another seed', () => {
    const random = (seed: number) => ({
      random: {
        samples: 16,
        seed,
        axes: {
          'schedule.lr.normalized': { uniform: [0.5, 5] },
          'model.width': { logUniform: [64, 4096], integer: true },
          seed: { choice: [0, 1, 2] },
        },
      },
    });
    const plan = planSweep(study(random(0)), '.', validate);
    expect(plan.runs).toHaveLength(16);
    for (const run of plan.runs) {
      const r = run.axes['schedule.lr.normalized'] as number;
      const width = run.axes['model.width'] as number;
      expect(r).toBeGreaterThanOrEqual(0.5);
      expect(r).toBeLessThanOrEqual(5);
      expect(Number.isInteger(width) && width >= 64 && width <= 4096).toBe(true);
      expect([0, 1, 2]).toContain(run.axes.seed);
      expect(run.spec).toMatchObject({ seed: run.axes.seed, model: { width }, schedule: { lr: { normalized: r } } });
    }
    // Spread over the range, not stuck at one value.
    expect(new Set(plan.runs.map((run) => run.axes['schedule.lr.normalized'])).size).toBe(16);
    expect(new Set(plan.runs.map((run) => run.axes.seed)).size).toBe(3);
    const again = planSweep(study(random(0)), '.', validate);
    expect(again.runs.map((run) => run.axes)).toEqual(plan.runs.map((run) => run.axes));
    expect(again.runs.map((run) => run.id)).toEqual(plan.runs.map((run) => run.id));
    const other = planSweep(study(random(1)), '.', validate);
    expect(other.runs.map((run) => run.axes)).not.toEqual(plan.runs.map((run) => run.axes));
  });

  it('grid × random is a product; a new option under an existing section and list indices are allowed', () => {
    const spec = { ...study({ grid: { seed: [0, 1] }, random: { samples: 3, axes: { 'probes.0.every': { choice: [1, 2] } } } }), probes: [{ use: 'loss' }] };
    const plan = planSweep(spec, '.', validate);
    expect(plan.runs).toHaveLength(6);
    expect((plan.runs[0].spec.probes as { every: number }[])[0].every).toBe(plan.runs[0].axes['probes.0.every']);
    const alpha = planSweep(study({ grid: { 'model.alpha': [1, 2] } }), '.', () => {});
    expect(alpha.runs.map((run) => run.spec.model)).toEqual([
      { use: 'uv', width: 100, alpha: 1 },
      { use: 'uv', width: 100, alpha: 2 },
    ]);
  });

  it('run identity: the id hashes the resolved spec, so equal specs share it and a re-plan finds the same ids', () => {
    const a = planSweep(study({ grid: { seed: [0, 1] } }), '.', validate);
    const b = planSweep(study({ grid: { seed: [1, 0] } }), '.', validate);
    expect(b.runs.map((run) => run.id)).toEqual([a.runs[1].id, a.runs[0].id]);
    // seed 0 is the study's own seed: the same spec, the same id as the study without a sweep.
    const { sweep: _, ...plain } = study({});
    expect(a.runs[0].id).toBe(planSweep({ ...plain, sweep: { grid: { steps: [10] } } }, '.', validate).runs[0].id);
  });

  it('diagram axes: sweep.diagram, else the first two axes', () => {
    expect(diagramAxes(study({ grid: { seed: [0], 'model.width': [1] }, diagram: { x: 'model.width' } }))).toEqual({ x: 'model.width' });
    expect(diagramAxes(study({ grid: { seed: [0], 'model.width': [1], steps: [1] } }))).toEqual({ x: 'seed', y: 'model.width' });
    expect(diagramAxes(study({ grid: { seed: [0] } }))).toEqual({ x: 'seed' });
  });
});

describe('planSweep: errors name the field, the value and what was expected', () => {
  it.each([
    [{ grid: { 'model.width': 5 } }, 'sweep.grid.model.width: must be a non-empty list of numbers, strings or booleans (was 5)'],
    [{ grid: { 'model.width': [] } }, 'sweep.grid.model.width: must be a non-empty list of numbers, strings or booleans (was [])'],
    [{ grid: { seed: [{ a: 1 }] } }, 'sweep.grid.seed[0]: must be a number, a string or boolean (was {"a":1})'],
    [{ gird: { seed: [1] } }, 'sweep.gird: is not a known key (known: grid, zip, random, diagram) (was "gird")'],
    [{}, 'sweep: needs at least one of grid:, zip: or random: (was none)'],
    [5, 'sweep: must be a section with grid:, zip: and/or random: (was 5)'],
    [{ random: { samples: 0, axes: { seed: { choice: [1] } } } }, 'sweep.random.samples: must be a positive integer (was 0)'],
    [{ random: { samples: 2, axes: { seed: { normal: [0, 1] } } } }, 'sweep.random.axes.seed: must be { uniform: [low, high] }, { logUniform: [low, high] } (either with integer: true) or { choice: [values…] } (was {"normal":[0,1]})'],
    [{ random: { samples: 2, axes: { 'model.width': { logUniform: [100, 10] } } } }, 'sweep.random.axes.model.width.logUniform: must be [low, high] with low < high (was [100,10])'],
    [{ zip: { 'model.width': [100, 1000, 4000], steps: [10, 20] } }, 'sweep.zip.steps: must have as many values as sweep.zip.model.width (zipped axes vary together): has 2, sweep.zip.model.width has 3'],
    [{ grid: { seed: [0] }, zip: { seed: [1] } }, 'sweep.zip.seed: is already an axis in sweep.grid (an axis appears once)'],
    [{ grid: { seed: [0] }, diagram: { x: 'model.width' } }, `sweep.diagram.x: must be one of the sweep's axes (seed) (was "model.width")`],
    [{ grid: { 'modle.width': [100] } }, 'sweep.grid.modle.width: the study has no modle (an axis sets a value under a section the study already has) (was "modle.width")'],
    [{ grid: { 'schedule.lr.normalized.x': [1] } }, `sweep.grid.schedule.lr.normalized.x: the study's schedule.lr.normalized is 1, not a section with keys (was "schedule.lr.normalized.x")`],
  ])('%j', (sweep, expected) => {
    expect(issuesOf(() => planSweep(study(sweep), '.', validate))).toContain(expected);
  });

  it('a study without sweep: points to it', () => {
    const { sweep: _, ...plain } = study({});
    expect(issuesOf(() => planSweep(plain, '.', validate))[0]).toMatch(/^sweep: is missing: tdlab sweep needs a study with a sweep: section/);
  });

  it('every run is validated with the registry before anything runs: all failing runs, each with its axis values', () => {
    const issues = issuesOf(() => planSweep(study({ grid: { 'model.width': [-3, 100, 0], seed: [0, 1] } }), '.', validate));
    expect(issues).toEqual([
      '[model.width=-3, seed=0] model.width: must be positive (was -3)',
      '[model.width=-3, seed=1] model.width: must be positive (was -3)',
      '[model.width=0, seed=0] model.width: must be positive (was 0)',
      '[model.width=0, seed=1] model.width: must be positive (was 0)',
    ]);
  });
});
