import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineStudy, StudySpecError, use } from '@tdlab/core';
import { signTeacher } from '@tdlab/plugin-data';
import { quadraticModel, twoLayerModel } from '@tdlab/plugin-models';
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel, trace, uvStudy } from './support.js';

/*
 * The `linearized` and `quadratic` wrappers as a study writes them, `model: { use: quadratic,
 * base: { use: two-layer, … } }`: the nested section validated by the base's own contribution,
 * the wrapper starting from the network's θ₀, and the dynamics papers.md §1b predicts — at
 * r = η·λ₀ = 3 the NQM catapults like the network, the linearized model diverges (r > 2).
 */

const twoLayer = { use: 'two-layer', width: 1024, activation: 'relu' };

/** The two-layer set-up of test/two-layer-catapult.test.ts (Meltzer target 2), with any model section. */
function study(model: Record<string, unknown>, r: number, steps = 300, seed = 0): Record<string, unknown> {
  return {
    name: `wrapper-r${r}`,
    seed,
    data: { use: 'sign-teacher', n: 16, d: 10 },
    model,
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
  };
}

function issuesOf(spec: unknown): { path: string; message: string }[] {
  try {
    kernel.validate(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(StudySpecError);
    return [...(error as StudySpecError).issues];
  }
  throw new Error('expected the study to be invalid');
}

async function first(spec: Record<string, unknown>) {
  const [event] = await lastValueFrom(kernel.run(spec).pipe(take(1), toArray()));
  return { initialParams: Array.from(event.state.initialParams), outputs: Array.from(event.state.outputs), lambda0: event.state.lambda0!, lr: event.lr };
}

describe('linearized / quadratic model sections (nested base) — validation', () => {
  it('validates the base with its own contribution, naming the full path', () => {
    expect(issuesOf(study({ use: 'quadratic', base: { use: 'two-layer', width: -3 } }, 3))).toEqual([
      { path: 'model.base.width', message: 'must be positive (was -3)' },
    ]);
    expect(issuesOf(study({ use: 'linearized', base: { use: 'two-layer', width: 8, activation: 'gelu' } }, 3))[0].path).toBe('model.base.activation');
    expect(issuesOf(study({ use: 'quadratic', base: { use: 'two-layer', width: 8, depth: 2 } }, 3))[0]).toEqual({
      path: 'model.base.depth',
      message: 'is not a known option (known: width, secondLayer, activation, leakySlope)',
    });
    expect(issuesOf(study({ use: 'quadratic' }, 3))).toEqual([{ path: 'model.base', message: 'must be an object (was missing)' }]);
  });

  it('lists the known models for an unknown base', () => {
    const [issue] = issuesOf(study({ use: 'quadratic', base: { use: 'resnet' } }, 3));
    expect(issue.path).toBe('model.base.use');
    for (const id of ['uv', 'two-layer', 'linearized', 'quadratic']) expect(issue.message).toContain(`${id} (@tdlab/plugin-models@0.1.0)`);
  });

  it('accepts wrappers of wrappers and types the section in TypeScript', () => {
    expect(() => kernel.validate(study({ use: 'linearized', base: { use: 'quadratic', base: twoLayer } }, 1))).not.toThrow();
    const typed = defineStudy({
      name: 'typed-nqm',
      seed: 0,
      data: use(signTeacher, { n: 16, d: 10 }),
      model: use(quadraticModel, { base: use(twoLayerModel, { width: 64 }) }),
      loss: { use: 'mse', reduction: 'mean', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: { normalized: 1 } },
      steps: 2,
    });
    expect(typed.model).toEqual({ use: 'quadratic', base: { use: 'two-layer', width: 64 } });
    const validated = kernel.validate(typed);
    expect(validated.model.options).toEqual({
      base: { use: 'two-layer', width: 64, activation: 'relu', leakySlope: 0.01, secondLayer: 'gaussian' },
    });
  });
});

describe('linearized / quadratic — the same θ₀, f₀ and λ₀ as the network (papers.md §1b)', () => {
  it('start from the network’s initialization (the same rng stream), with the same outputs and λ₀', async () => {
    const network = await first(study(twoLayer, 3));
    for (const use of ['linearized', 'quadratic']) {
      const wrapped = await first(study({ use, base: twoLayer }, 3));
      expect(wrapped.initialParams).toEqual(network.initialParams);
      wrapped.outputs.forEach((value, k) => expect(Math.abs(value - network.outputs[k])).toBeLessThan(1e-12));
      expect(Math.abs(wrapped.lambda0 / network.lambda0 - 1)).toBeLessThan(1e-10);
    }
  });

  it('take θ₀ from model.initialParameters when the study loads them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-nqm-'));
    const base = { use: 'two-layer', width: 8, activation: 'tanh' };
    const p = 8 * 10 + 8;
    const loaded = Array.from({ length: p }, (_, i) => Math.sin(i + 1));
    writeFileSync(join(dir, 'theta0.json'), JSON.stringify(loaded));
    const network = await first({ ...study({ ...base, initialParameters: join(dir, 'theta0.json') }, 1) });
    const wrapped = await first({ ...study({ use: 'quadratic', base, initialParameters: join(dir, 'theta0.json') }, 1) });
    expect(wrapped.initialParams).toEqual(loaded);
    wrapped.outputs.forEach((value, k) => expect(Math.abs(value - network.outputs[k])).toBeLessThan(1e-12));
    expect(Math.abs(wrapped.lambda0 / network.lambda0 - 1)).toBeLessThan(1e-10);
  });
});

describe('catapult or not at r = 3 — papers.md §1b (linear models cannot catapult) and §1a', () => {
  it('quadratic(two-layer ReLU) catapults: the loss spikes, λ falls until η·λ < 2, then it converges', async () => {
    const run = await trace(study({ use: 'quadratic', base: twoLayer }, 3));
    const last = run.at(-1)!;
    const peakAt = run.reduce((best, t, i) => (t.loss > run[best].loss ? i : best), 0);
    expect(run[peakAt].loss).toBeGreaterThan(3 * run[0].loss);
    expect(peakAt).toBeGreaterThan(0);
    expect(last.loss).toBeLessThan(1e-3 * run[0].loss);
    expect(last.lr * last.lambda).toBeLessThan(2);
    expect(last.lambda).toBeLessThan(run[0].lambda);
  });

  it('linearized(two-layer ReLU) diverges at r = 3, and converges monotonically at r = 1.5', async () => {
    const diverging = await trace({ ...study({ use: 'linearized', base: twoLayer }, 3), stop: { lossAbove: 1e12 } });
    expect(diverging.at(-1)!.outcome).toBe('diverged');
    // Its kernel never moves, so the loss cannot turn around.
    for (const t of diverging.slice(1)) expect(Math.abs(t.lambda / diverging[0].lambda - 1)).toBeLessThan(1e-9);
    const lazy = await trace(study({ use: 'linearized', base: twoLayer }, 1.5, 100));
    for (let t = 1; t < lazy.length; t++) expect(lazy[t].loss).toBeLessThanOrEqual(lazy[t - 1].loss * (1 + 1e-9));
    expect(lazy.at(-1)!.outcome).toBe('max-steps');
  });

  it('on the uv set-up (m = 1000, one example): quadratic(uv) is the uv model and catapults; linearized(uv) diverges', async () => {
    const bare = await trace(uvStudy(1000, 3, 200));
    const nqm = await trace({ ...uvStudy(1000, 3, 200), model: { use: 'quadratic', base: { use: 'uv', width: 1000 } } });
    expect(nqm.length).toBe(bare.length);
    nqm.forEach((t, i) => expect(Math.abs(t.loss - bare[i].loss)).toBeLessThanOrEqual(1e-9 * Math.max(...bare.map((b) => b.loss))));
    expect(Math.max(...nqm.map((t) => t.loss))).toBeGreaterThan(0.05 * 1000);
    expect(nqm.at(-1)!.loss).toBeLessThan(1e-10);
    const lin = await trace({ ...uvStudy(1000, 3, 200), model: { use: 'linearized', base: { use: 'uv', width: 1000 } }, stop: { lossAbove: 1e12 } });
    expect(lin.at(-1)!.outcome).toBe('diverged');
  });
});
