import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { MeanSquaredError } from '../loss/mean-squared-error.js';
import { LinearTestModel } from '../testing/linear-test-model.js';
import { LossMatchedNtk } from './loss-matched-ntk.js';

// f = θ·x with X = [[1, 2], [0, 1]]: K = X Xᵀ = [[5, 2], [2, 1]], eigenvalues 3 ± 2√2.
const inputs = { x: Float64Array.from([1, 2, 0, 1]), y: Float64Array.from([0, 0]), n: 2 };
const params = Float64Array.from([0.3, -0.2]);
const outputs = Float64Array.from([0.3 - 0.4, -0.2]);

describe('LossMatchedNtk.topEigenpairs', () => {
  it('returns unit eigenvectors, row i for values[i], matching topEigenvalues', () => {
    const ntk = new LossMatchedNtk(new LinearTestModel(2), new MeanSquaredError('sum', true), inputs, new Rng(1));
    const { values, vectors } = ntk.topEigenpairs(params, outputs, 3);
    expect(values).toHaveLength(2);
    expect(vectors).toHaveLength(4);
    expect(values[0]).toBeCloseTo(3 + 2 * Math.SQRT2, 12);
    expect(values[1]).toBeCloseTo(3 - 2 * Math.SQRT2, 12);
    const kernel = [[5, 2], [2, 1]];
    for (let i = 0; i < 2; i++) {
      const u = [vectors[2 * i], vectors[2 * i + 1]];
      expect(Math.hypot(u[0], u[1])).toBeCloseTo(1, 12);
      for (let r = 0; r < 2; r++) expect(kernel[r][0] * u[0] + kernel[r][1] * u[1]).toBeCloseTo(values[i] * u[r], 10);
    }
    // u₁ ∝ (1, √2 − 1) up to sign.
    expect(Math.abs(vectors[1] / vectors[0])).toBeCloseTo(Math.SQRT2 - 1, 10);
    expect(Array.from(ntk.topEigenvalues(params, outputs, 1))).toEqual([values[0]].map((v) => expect.closeTo(v, 12)));
  });

  it('scales the eigenvalues, not the eigenvectors, with the loss normalization (K/n under ½·mean)', () => {
    const sum = new LossMatchedNtk(new LinearTestModel(2), new MeanSquaredError('sum', true), inputs, new Rng(1)).topEigenpairs(params, outputs, 1);
    const mean = new LossMatchedNtk(new LinearTestModel(2), new MeanSquaredError('mean', true), inputs, new Rng(1)).topEigenpairs(params, outputs, 1);
    expect(mean.values[0]).toBeCloseTo(sum.values[0] / 2, 12);
    expect(Math.abs(mean.vectors[0] * sum.vectors[0] + mean.vectors[1] * sum.vectors[1])).toBeCloseTo(1, 12);
  });
});
