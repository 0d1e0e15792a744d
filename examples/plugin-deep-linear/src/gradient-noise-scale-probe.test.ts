import { MeanSquaredError } from '@tdlab/core';
import { LinearTestModel, randomNormalVector } from '@tdlab/core/testing';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { DeepLinearModel, GradientNoiseScratch, gradientNoiseScale } from './index.js';

describe('gradientNoiseScale: B_simple = tr(Σ)/‖G‖² (McCandlish et al. 2018)', () => {
  /*
   * f(θ; x) = θ·x with ½(f − y)² per example: g_i = (θ·x_i − y_i)·x_i. At θ = (1, 0):
   *   x₁ = (1, 0), y₁ = 0 → g₁ = (1, 0);  x₂ = (0, 1), y₂ = 1 → g₂ = (0, −1);  x₃ = (1, 1), y₃ = 0 → g₃ = (1, 1).
   * G = (2/3, 0), ‖G‖² = 4/9; deviations (1/3, 0), (−2/3, −1), (1/3, 1) with ‖·‖² = 1/9, 13/9, 10/9,
   * so tr Σ = (1/3)(24/9) = 8/9 and B_simple = 2.
   */
  const train = { x: new Float64Array([1, 0, 0, 1, 1, 1]), y: new Float64Array([0, 1, 0]), n: 3 };
  const model = new LinearTestModel(2);
  const params = new Float64Array([1, 0]);

  it('matches the closed form of a linear model under ½·(f − y)²', () => {
    const result = gradientNoiseScale(model, new MeanSquaredError('mean', true), params, train, new GradientNoiseScratch(2, 2));
    expect(result.meanGradientSquaredNorm).toBeCloseTo(4 / 9, 14);
    expect(result.trace).toBeCloseTo(8 / 9, 14);
    expect(result.noiseScale).toBeCloseTo(2, 13);
  });

  it('is invariant to the loss normalization; tr Σ and ‖G‖² scale by its square', () => {
    const scratch = new GradientNoiseScratch(2, 2);
    for (const loss of [new MeanSquaredError('sum', true), new MeanSquaredError('mean', false), new MeanSquaredError('sum', false)]) {
      const result = gradientNoiseScale(model, loss, params, train, scratch);
      const factor = loss.half ? 1 : 4; // (f − y)² doubles every g_i.
      expect(result.noiseScale).toBeCloseTo(2, 13);
      expect(result.trace).toBeCloseTo(factor * (8 / 9), 13);
      expect(result.meanGradientSquaredNorm).toBeCloseTo(factor * (4 / 9), 13);
    }
  });

  it('`count` uses only the first examples: g₁, g₂ give G = (½, −½), tr Σ = ½, B = 1', () => {
    const result = gradientNoiseScale(model, new MeanSquaredError('mean', true), params, train, new GradientNoiseScratch(2, 2), 2);
    expect(result.meanGradientSquaredNorm).toBeCloseTo(0.5, 14);
    expect(result.trace).toBeCloseTo(0.5, 14);
    expect(result.noiseScale).toBeCloseTo(1, 13);
  });

  it('on a deep linear net, agrees with per-example gradients from a full-batch vjp with one-hot cotangents', () => {
    const rng = new Rng(3);
    const d = 3;
    const n = 6;
    const net = new DeepLinearModel({ depth: 3, width: 4, inputDim: d });
    const p = net.parameterCount;
    const theta = new Float64Array(p);
    net.initialize(rng, theta);
    const data = { x: randomNormalVector(rng, n * d), y: randomNormalVector(rng, n), n };
    const f = new Float64Array(n);
    net.forward(theta, data, f);
    // g_i = (f_i − y_i)·∇f_i = Jᵀ(r_i e_i) on the whole batch; then the two-pass mean and covariance trace.
    const gradients = Array.from({ length: n }, (_, i) => {
      const cotangent = new Float64Array(n);
      cotangent[i] = f[i] - data.y[i];
      const g = new Float64Array(p);
      net.vjp(theta, data, cotangent, g);
      return g;
    });
    const mean = new Float64Array(p);
    for (const g of gradients) for (let j = 0; j < p; j++) mean[j] += g[j] / n;
    let trace = 0;
    for (const g of gradients) for (let j = 0; j < p; j++) trace += (g[j] - mean[j]) ** 2 / n;
    const norm = mean.reduce((sum, m) => sum + m * m, 0);
    const result = gradientNoiseScale(net, new MeanSquaredError('mean', true), theta, data, new GradientNoiseScratch(p, d));
    expect(result.trace).toBeCloseTo(trace, 12);
    expect(result.meanGradientSquaredNorm).toBeCloseTo(norm, 12);
    expect(Math.abs(result.noiseScale - trace / norm) / (trace / norm)).toBeLessThan(1e-12);
  });
});
