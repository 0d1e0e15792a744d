// examples/mean-field (Pellegrini & Biroli, papers.md §3, §6): every study validates against the
// first-party plugins, a short run of each emits the metrics the report reads (with `arm` tags in
// the α sweep), and the report's SVG line chart draws what it is given. The full 1500-step run is
// the example itself (`pnpm mean-field`), not this test.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstPartyPlugins } from '@tdlab/cli';
import { loadStudyFile, type MetricRecord, Tdlab } from '@tdlab/core';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { formatTick, lineChart, logTicks, niceTicks } from '../examples/mean-field/src/svg-chart.js';

const studies = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'mean-field', 'studies');
const kernel = new Tdlab(firstPartyPlugins);

/** The study shortened to `steps` steps, every probe measuring every `every` steps. */
async function shortened(file: string, steps: number, every: number): Promise<Record<string, unknown>> {
  const spec = (await loadStudyFile(join(studies, file))) as Record<string, unknown> & { probes: Record<string, unknown>[] };
  return { ...spec, steps, probes: spec.probes.map((probe) => ({ ...probe, every })), sinks: [] };
}

const metrics = async (spec: Record<string, unknown>): Promise<MetricRecord[]> => lastValueFrom(kernel.metrics(spec).pipe(toArray()));

describe('examples/mean-field studies', () => {
  it('has the two studies the report reads', () => {
    expect(readdirSync(studies).filter((file) => file.endsWith('.yaml')).sort()).toEqual(['rich-lazy.yaml', 'theory-vs-simulation.yaml']);
  });

  it.each(readdirSync(studies).filter((file) => file.endsWith('.yaml')))('%s validates against the first-party plugins', async (file) => {
    const spec = await loadStudyFile(join(studies, file));
    expect(() => kernel.validate(spec, file)).not.toThrow();
  });

  it('theory-vs-simulation emits every metric the report reads, simulation and both theories at the same steps', async () => {
    const records = await metrics(await shortened('theory-vs-simulation.yaml', 10, 5));
    const names = new Set(records.map((record) => `${record.name}${record.index === undefined ? '' : `[${record.index}]`}`));
    for (const name of [
      'loss',
      'unsatisfied_fraction',
      'a2_mean',
      'test_class_error',
      'theory_loss',
      'theory_unsatisfied_fraction',
      'theory_a2_mean',
      'theory_test_class_error',
      'infinite_loss',
      'infinite_unsatisfied_fraction',
      'infinite_a2_mean',
      'unit_a[0]',
      'unit_a[2]',
      'theory_unit_a[0]',
      'theory_unit_a[2]',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(names).not.toContain('unit_a[3]');
    const steps = (name: string) => records.filter((record) => record.name === name && record.index === undefined).map((record) => record.step);
    expect(steps('loss')).toEqual([0, 5, 10]);
    expect(steps('theory_loss')).toEqual([0, 5, 10]);
    expect(steps('infinite_loss')).toEqual([0, 5, 10]);
    // At t = 0 the theory starts from the run's own units: the tracked units agree exactly.
    const at0 = (name: string) => records.find((record) => record.step === 0 && record.name === name && record.index === 1)!.value;
    expect(at0('theory_unit_a')).toBe(at0('unit_a'));
  });

  it('rich-lazy: one arm per α ∈ {0.01, 1, 10}, records tagged by arm', async () => {
    const spec = await shortened('rich-lazy.yaml', 4, 2);
    const validated = kernel.validate(spec);
    expect(validated.arms.map((arm) => [arm.name, arm.part.section.alpha])).toEqual([
      ['model', 0.01],
      ['alpha_1', 1],
      ['alpha_10', 10],
    ]);
    const records = await metrics(spec);
    const change = records.filter((record) => record.name === 'w_relative_change');
    expect(change.map((record) => `${record.step}:${record.arm}`)).toEqual(['0:model', '0:alpha_1', '0:alpha_10', '2:model', '2:alpha_1', '2:alpha_10', '4:model', '4:alpha_1', '4:alpha_10']);
    const last = (arm: string) => change.find((record) => record.step === 4 && record.arm === arm)!.value;
    expect(last('model')).toBeLessThan(last('alpha_1'));
    expect(last('alpha_1')).toBeLessThan(last('alpha_10'));
  });
});

/** The points of each <path class="series">, by its data-series name. */
function paths(svg: string): Map<string, { segments: number; points: [number, number][] }> {
  const result = new Map<string, { segments: number; points: [number, number][] }>();
  for (const match of svg.matchAll(/<path class="series" data-series="([^"]*)" d="([^"]*)"/g)) {
    const d = match[2];
    const points = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m): [number, number] => [Number(m[1]), Number(m[2])]);
    result.set(match[1], { segments: (d.match(/M/g) ?? []).length, points });
  }
  return result;
}

describe('examples/mean-field svg-chart: lineChart', () => {
  const line = { name: 'simulation', points: [0, 1, 2, 3, 4].map((x): [number, number] => [x, 1 + x * x]) };
  const theory = { name: 'theory <N = ∞>', points: [0, 2, 4].map((x): [number, number] => [x, 1 + x * x]), dash: '6 4' };

  it('draws one path per series with all its points, inside the plot, increasing y upward', () => {
    const svg = lineChart([line, theory], { title: 'Test chart', xLabel: 't', yLabel: 'value' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    const drawn = paths(svg);
    expect([...drawn.keys()]).toEqual(['simulation', 'theory &lt;N = ∞&gt;']);
    expect(drawn.get('simulation')!.points).toHaveLength(5);
    expect(drawn.get('theory &lt;N = ∞&gt;')!.points).toHaveLength(3);
    const points = drawn.get('simulation')!.points;
    for (let i = 1; i < points.length; i++) {
      expect(points[i][0]).toBeGreaterThan(points[i - 1][0]);
      expect(points[i][1]).toBeLessThan(points[i - 1][1]); // SVG y grows downward
    }
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(64);
      expect(x).toBeLessThanOrEqual(760 - 230);
      expect(y).toBeGreaterThanOrEqual(34);
      expect(y).toBeLessThanOrEqual(360 - 46);
    }
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).not.toMatch(/<script|href=/);
  });

  it('names every series in the legend (escaped), and writes the title and axis labels', () => {
    const svg = lineChart([line, theory], { title: 'E[a²] & co', xLabel: 'mean-field time', yLabel: 'E[a²]' });
    const legend = [...svg.matchAll(/<text class="legend"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(legend).toEqual(['simulation', 'theory &lt;N = ∞&gt;']);
    expect(svg).toContain('E[a²] &amp; co');
    expect(svg).toContain('mean-field time');
  });

  it('labels the axes with round ticks covering the data', () => {
    const svg = lineChart([line], { title: 'ticks' });
    const xTicks = [...svg.matchAll(/class="x-tick"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
    const yTicks = [...svg.matchAll(/class="y-tick"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
    expect(xTicks[0]).toBeLessThanOrEqual(0);
    expect(xTicks.at(-1)).toBeGreaterThanOrEqual(4);
    expect(yTicks[0]).toBeLessThanOrEqual(1);
    expect(yTicks.at(-1)).toBeGreaterThanOrEqual(17);
  });

  it('log y: skips points ≤ 0 (breaking the line) and says how many in the legend', () => {
    const series = { name: 'w change', points: [[0, 0], [1, 0.1], [2, 1], [3, -1], [4, 10], [5, 100]] as [number, number][] };
    const svg = lineChart([series], { title: 'log', logY: true });
    const drawn = paths(svg).get('w change')!;
    expect(drawn.points).toHaveLength(4);
    expect(drawn.segments).toBe(2); // (1, 2) and (4, 5): the point at x = 3 breaks the line
    expect(svg).toContain('w change (2 points ≤ 0 not shown)');
    const yTicks = [...svg.matchAll(/class="y-tick"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
    expect(yTicks).toEqual([0.1, 1, 10, 100]);
    // Equal ratios are equal distances on a log axis.
    const ys = drawn.points.map(([, y]) => y);
    expect(ys[0] - ys[1]).toBeCloseTo(ys[2] - ys[3], 0);
  });

  it('log y with no positive value says so instead of drawing; a non-positive explicit range is an error', () => {
    const svg = lineChart([{ name: 'zeros', points: [[0, 0], [1, -2]] }], { title: 'nothing', logY: true });
    expect(paths(svg).size).toBe(0);
    expect(svg).toContain('no positive values to draw on a log axis');
    expect(() => lineChart([line], { title: 'bad', logY: true, yMin: 0 })).toThrow(/log y-axis needs yMin and yMax > 0/);
  });

  it('skips non-finite points on a linear axis too', () => {
    const drawn = paths(lineChart([{ name: 's', points: [[0, 1], [1, Number.NaN], [2, 3], [3, 4]] }], { title: 'nan' })).get('s')!;
    expect(drawn.points).toHaveLength(3);
    expect(drawn.segments).toBe(2);
  });
});

describe('examples/mean-field svg-chart: ticks', () => {
  it('niceTicks uses steps of 1, 2 or 5 × 10^k and covers the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 150)).toEqual([0, 50, 100, 150]);
    expect(niceTicks(0.013, 0.49)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(2, 2).length).toBeGreaterThan(1);
  });

  it('logTicks gives decades, with 2 and 5 between over at most 2 decades; rejects a non-positive range', () => {
    expect(logTicks(0.07, 1)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(0.5, 3000)).toEqual([0.1, 1, 10, 100, 1000, 10000]);
    expect(() => logTicks(0, 1)).toThrow(RangeError);
  });

  it('formatTick is short', () => {
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(1e-4)).toBe('1e-4');
    expect(formatTick(20000)).toBe('2e4');
    expect(formatTick(0)).toBe('0');
  });
});
