import { describe, expect, it } from 'vitest';
import { trace } from './support.js';

function twoLayerStudy(r: number, seed = 0, steps = 500): Record<string, unknown> {
  return {
    name: `two-layer-r${r}`,
    seed,
    data: { use: 'sign-teacher', n: 16, d: 10 },
    model: { use: 'two-layer', width: 1024, activation: 'relu' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
  };
}

describe('two-layer ReLU net, NTK scaling — papers.md §1a, §1b and §6 (Meltzer target 2 set-up)', () => {
  it('lazy at r = 1: monotone loss, λ and the weight norm barely move', async () => {
    const run = await trace(twoLayerStudy(1));
    const last = run.at(-1)!;
    for (let t = 1; t < run.length; t++) expect(run[t].loss).toBeLessThanOrEqual(run[t - 1].loss * (1 + 1e-9));
    expect(Math.abs(last.lambda / run[0].lambda - 1)).toBeLessThan(0.05);
    expect(Math.abs(last.weightNormRatio - 1)).toBeLessThan(0.01);
  });

  it.each([0, 1, 2])('catapult at r = 3 (seed %s): the loss spikes, λ falls until η·λ < 2, the weight norm shrinks, it converges', async (seed) => {
    const run = await trace(twoLayerStudy(3, seed));
    const last = run.at(-1)!;
    const peak = Math.max(...run.map((t) => t.loss));
    expect(peak).toBeGreaterThan(3 * run[0].loss);
    expect(last.lr * last.lambda).toBeLessThan(2);
    expect(last.lambda).toBeLessThan(run[0].lambda);
    expect(last.loss).toBeLessThan(1e-3 * run[0].loss);
    expect(last.weightNormRatio).toBeLessThan(1);
  });

  it('diverges above the catapult window: r = 5 (papers.md §6, Meltzer target 2)', async () => {
    const run = await trace({ ...twoLayerStudy(5, 0, 500), stop: { lossAbove: 1e12 } });
    expect(run.at(-1)!.outcome).toBe('diverged');
  });
});
