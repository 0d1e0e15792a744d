import { type MetricRecord, Tdlab } from '@tdlab/core';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { linearTestPlugin } from '../test/linear-plugin.js';
import probesPlugin from './index.js';

// X = [[1, 2], [0, 1]] (K = X Xᵀ = [[5, 2], [2, 1]], λ = 3 + 2√2 for every θ), y = (1, 0), θ₀ = (0.5, −0.25).
const lambda = 3 + 2 * Math.SQRT2;
const study = (overrides: Record<string, unknown> = {}) => ({
  name: 'probes-e2e',
  seed: 3,
  data: { use: 'test-rows', x: [[1, 2], [0, 1]], y: [1, 0], evalX: [[1, 1]], evalY: [0] },
  model: { use: 'test-linear', init: [0.5, -0.25] },
  loss: { use: 'mse', reduction: 'sum', half: true },
  optimizer: { use: 'test-gd' },
  schedule: { use: 'test-constant', lr: { normalized: 1.5 } },
  steps: 10,
  probes: [
    { use: 'loss', every: 5 },
    { use: 'ntk-top-eigenvalue', k: 2, every: 5 },
    { use: 'weight-norm', perBlock: true, every: 5 },
    { use: 'normalized-lr', every: 5 },
    { use: 'eval-loss', every: 5 },
  ],
  ...overrides,
});

describe('the probes in a real run of the core trainer', () => {
  it('validate with every: and their own options, and measure on steps 0, 5 and 10', async () => {
    const records: MetricRecord[] = await lastValueFrom(new Tdlab([linearTestPlugin, probesPlugin]).metrics(study()).pipe(toArray()));
    const at = (step: number, name: string, index?: number) =>
      records.find((r) => r.step === step && r.name === name && r.index === index)?.value;
    expect([...new Set(records.map((r) => r.step))]).toEqual([0, 5, 10]);
    expect(new Set(records.map((r) => (r.index === undefined ? r.name : `${r.name}[${r.index}]`)))).toEqual(
      new Set([
        'loss',
        'eval_loss',
        'ntk_lambda',
        'ntk_eigenvalues[0]',
        'ntk_eigenvalues[1]',
        'weight_norm_ratio',
        'weight_norm_ratio/theta',
        'normalized_lr',
      ]),
    );
    // f(θ₀) = (0, −0.25): residual (−1, −0.25); eval f = 0.25.
    expect(at(0, 'loss')).toBeCloseTo(0.5 * (1 + 0.0625), 14);
    expect(at(0, 'eval_loss')).toBeCloseTo(0.5 * 0.0625, 14);
    expect(at(0, 'weight_norm_ratio')).toBe(1);
    for (const step of [0, 5, 10]) {
      expect(at(step, 'ntk_lambda')).toBeCloseTo(lambda, 9);
      expect(at(step, 'ntk_eigenvalues', 0)).toBeCloseTo(lambda, 9);
      expect(at(step, 'ntk_eigenvalues', 1)).toBeCloseTo(3 - 2 * Math.SQRT2, 9);
      // A linear model's kernel never moves: η·λ stays at r = 1.5.
      expect(at(step, 'normalized_lr')).toBeCloseTo(1.5, 9);
    }
    expect(at(10, 'loss')!).toBeLessThan(at(5, 'loss')!);
    expect(at(10, 'weight_norm_ratio/theta')).toBe(at(10, 'weight_norm_ratio'));
  });

  it('rejects an unknown probe option, naming it', () => {
    expect(() => new Tdlab([linearTestPlugin, probesPlugin]).validate(study({ probes: [{ use: 'ntk-top-eigenvalue', top: 2 }] }))).toThrow(/top/);
  });
});
