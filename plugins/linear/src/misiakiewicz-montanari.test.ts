import type { MetricRecord } from '@tdlab/core';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { last, records } from '../test/support.js';
import { RandomFeatures } from './feature-model.js';
import { drawFirstLayer } from './first-layer-weights.js';
import { gaussianEquivalence } from './gaussian-equivalence.js';
import { exponentialKernel } from './kernels.js';
import { fitKernelRidge } from './kernel-ridge-probe.js';
import { drawLinearTeacher } from './linear-teacher.js';
import { meanSquaredError } from './probe-support.js';
import { linearizedRidge } from './ridge-solver.js';
import { drawSingleIndexTeacher, highDegreeNorm } from './single-index-teacher.js';

/*
 * Reproductions of papers.md §6, Misiakiewicz–Montanari targets 1–5 (papers.md §5 for the
 * formulas). Simulation and theory come out of the same metric stream of one study: the
 * closed-form-ridge / test-error probes beside ridge-theory. Where one draw fluctuates more than
 * the target's tolerance (the anisotropic case of target 2 varies by ~25% from seed to seed at
 * n = 100), the test averages independent seeds and sets its tolerance from that spread.
 */

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** A study that trains nothing of interest (1 step): the closed-form probes do the work at step 0. */
function closedFormStudy(seed: number, data: Record<string, unknown>, model: Record<string, unknown>, probes: Record<string, unknown>[]) {
  return {
    name: 'mm',
    seed,
    data,
    model,
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: 1 } },
    steps: 1,
    probes,
  };
}

describe('papers.md §6 M–M target 1: isotropic ridgeless regression, σ = 0.5, ‖β*‖ = 1 (papers.md §5(i))', () => {
  it('gradient descent from β₀ = 0 reaches the minimum-norm fit; its excess risk sits beside the ridgeless formula in one stream', async () => {
    // (n, d) = (400, 200), γ = ½: theory σ²γ/(1 − γ) = 0.25. [SIM] papers.md: 0.260 at its seed 0.
    const all: MetricRecord[] = await records({
      name: 'mm-target-1-gd',
      seed: 0,
      data: { use: 'linear-teacher', n: 400, d: 200, noise: 0.5, eval: { n: 4000 } },
      model: { use: 'linear-features' },
      loss: { use: 'mse', reduction: 'mean', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: { normalized: 1.8 } },
      steps: 600,
      probes: [
        { use: 'test-error', every: 100 },
        { use: 'closed-form-ridge', every: 100 },
        { use: 'ridge-theory', every: 100 },
      ],
    });
    expect(last(all, 'ridge_lambda')).toBe(0);
    expect(last(all, 'ridge_distance')).toBeLessThan(1e-10);
    expect(last(all, 'ridgeless_theory')).toBeCloseTo(0.25, 12);
    expect(last(all, 'ridge_theory')).toBeCloseTo(0.25, 12); // the deterministic equivalent at λ = 0 is the same formula
    // Measured at seed 0: excess risk 0.2419, test error 0.2399 (4000 noiseless held-out points);
    // ‖β_t − β̂‖/‖β̂‖ = 1.7e-4, 3.7e-7, 8.7e-10 at steps 100, 200, 300.
    expect(last(all, 'excess_risk')).toBeCloseTo(last(all, 'ridge_excess_risk'), 10);
    expect(Math.abs(last(all, 'excess_risk') / 0.25 - 1)).toBeLessThan(0.1);
    expect(Math.abs(last(all, 'test_error') / last(all, 'excess_risk') - 1)).toBeLessThan(0.1);
  });

  it.each([
    [400, 200, 0.25, 0.1],
    [100, 200, 0.75, 0.08],
  ])('(n, d) = (%i, %i): the minimum-norm excess risk, averaged over 8 draws, is within its spread of the theory %f', async (n, d, theory, tolerance) => {
    // Measured: 0.2448 and 0.7603 (8 seeds; seed-to-seed s.d. ≈ 0.037 and 0.069, so ±1.7 and ±1.1 standard errors).
    const risks: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const all = await records(
        closedFormStudy(seed, { use: 'linear-teacher', n, d, noise: 0.5 }, { use: 'linear-features' }, [
          { use: 'closed-form-ridge', lambda: 0 },
          { use: 'ridge-theory', lambda: 0 },
        ]),
      );
      expect(last(all, 'ridgeless_theory')).toBeCloseTo(theory, 12);
      risks.push(last(all, 'ridge_excess_risk'));
    }
    expect(Math.abs(mean(risks) / theory - 1)).toBeLessThan(tolerance);
  });
});

describe('papers.md §6 M–M target 2: deterministic equivalent, d = 300, Σ_jj = 3/j, σ = 0.5, ‖β*‖ = 1 (papers.md §5(i))', () => {
  it.each([
    [100, 1e-3, 0.21, 0.1],
    [300, 1e-2, 0.1227, 0.05],
  ])('(n, λ) = (%i, %f): the ridge excess risk averaged over 32 draws is within its spread of λ*-theory (≈ %f)', async (n, lambda, expected, tolerance) => {
    // Measured (32 seeds): 0.2163 vs theory 0.2101 (+2.9%) and 0.1223 vs 0.1227 (−0.3%). One draw
    // scatters by ±25% and ±10% (s.d. of simulation/theory), so 32 draws give standard errors of
    // 4.4% and 1.8%; papers.md's "within 3%" holds for its seed-0 draw, not for every draw.
    const simulated: number[] = [];
    const theory: number[] = [];
    for (let seed = 0; seed < 32; seed++) {
      const all = await records(
        closedFormStudy(seed, { use: 'linear-teacher', n, d: 300, noise: 0.5, covariance: { scale: 3, decay: 1 } }, { use: 'linear-features' }, [
          { use: 'closed-form-ridge', lambda },
          { use: 'ridge-theory', lambda },
        ]),
      );
      simulated.push(last(all, 'ridge_excess_risk'));
      theory.push(last(all, 'ridge_theory'));
    }
    expect(mean(theory)).toBeCloseTo(expected, 2);
    expect(Math.abs(mean(simulated) / mean(theory) - 1)).toBeLessThan(tolerance);
  });
});

describe('papers.md §6 M–M target 3: random-feature double descent, d = 40, n = 200, ReLU, minimum-norm fit (papers.md §5(iii))', () => {
  it('the test error peaks at N = n and falls on both sides', async () => {
    // Our set-up (papers.md does not state its target): x ~ Unif(S^{d−1}(√d)), y = ⟨β*, x⟩,
    // ‖β*‖ = 1, no noise, w_j ~ Unif(S^{d−1}). Measured at seed 0: 0.476, 0.329, 1.57e3, 0.0575,
    // 0.0156 for N = 50, 100, 200, 400, 1600 (papers.md's [SIM]: 0.045, ·, 18.7, ·, 0.049).
    const widths = [50, 100, 200, 400, 1600];
    const errors: number[] = [];
    for (const width of widths) {
      const all = await records(
        closedFormStudy(0, { use: 'linear-teacher', n: 200, d: 40, inputs: 'sphere', eval: { n: 1000 } }, { use: 'random-features', width }, [
          { use: 'closed-form-ridge', lambda: 0 },
        ]),
      );
      errors.push(last(all, 'ridge_test_error'));
    }
    const [n50, n100, n200, n400, n1600] = errors;
    expect(Math.max(...errors)).toBe(n200);
    expect(n200).toBeGreaterThan(100 * Math.max(n50, n1600));
    expect(n100).toBeLessThan(n200);
    expect(n1600).toBeLessThan(n400);
    expect(n400).toBeLessThan(n200);
    expect(n1600).toBeLessThan(n50);
  });
});

describe('papers.md §6 M–M target 4: Gaussian equivalence, d = 100, n = 300, λ = 1e-3 (papers.md §5(iii))', () => {
  it('ReLU random features have the test error of the features μ0 + μ1⟨w, x⟩ + μ*z, for N from 100 to 800', () => {
    // Same draw of X, y, W for both; z ~ N(0, 1) fresh for every (sample, feature). Ridge on a with
    // (1/n)‖y − Φa‖² + λ‖a‖², features scaled by N^{-1/2}, x ~ Unif(S^{d−1}(√d)), y = ⟨β*, x⟩ with
    // ‖β*‖ = 1. Measured (means of 3 draws), random features vs equivalent: N = 100: 0.585 vs 0.573;
    // 200: 0.419 vs 0.432; 400: 0.312 vs 0.305; 800: 0.2500 vs 0.2501 (at most 3.1% apart).
    // [SIM] papers.md N = 100: 0.595 vs 0.586.
    const d = 100;
    const n = 300;
    const lambda = 1e-3;
    const { mu0, mu1, muStar } = gaussianEquivalence('relu');
    for (const width of [100, 200, 400, 800]) {
      const rf: number[] = [];
      const ge: number[] = [];
      for (let seed = 0; seed < 3; seed++) {
        const rng = new Rng(seed);
        const data = drawLinearTeacher(
          { n, d, inputs: 'sphere', covariance: 'identity', teacherNorm: 1, teacher: 'random', noise: 0, eval: { n: 1000, noise: false } },
          rng.derive('data'),
          'float64',
        );
        const weights = drawFirstLayer(rng.derive('features'), width, d, 'sphere', 'float64');
        const noise = rng.derive('equivalent');
        const map = new RandomFeatures(weights, d, width, 'relu');
        const linear = new RandomFeatures(weights, d, width, 'linear');
        const features = (x: Float64Array | Float32Array, rows: number, equivalent: boolean): Float64Array => {
          const out = new Float64Array(rows * width);
          if (!equivalent) {
            map.features(x, rows, out);
            return out;
          }
          linear.features(x, rows, out); // ⟨w_j, x⟩/√N
          const scale = 1 / Math.sqrt(width);
          for (let i = 0; i < out.length; i++) out[i] = scale * mu0 + mu1 * out[i] + scale * muStar * noise.normal();
          return out;
        };
        for (const equivalent of [false, true]) {
          const train = features(data.train.x, n, equivalent);
          const test = features(data.eval!.x, data.eval!.n, equivalent);
          const a = new Float64Array(width);
          linearizedRidge(train, n, width, new Float64Array(width), new Float64Array(n), data.train.y, lambda, a);
          const predictions = new Float64Array(data.eval!.n);
          for (let i = 0; i < predictions.length; i++) {
            let sum = 0;
            for (let j = 0; j < width; j++) sum += test[i * width + j] * a[j];
            predictions[i] = sum;
          }
          (equivalent ? ge : rf).push(meanSquaredError(predictions, data.eval!.y, predictions.length));
        }
      }
      const ratio = mean(rf) / mean(ge);
      expect(Math.abs(ratio - 1), `N = ${width}: random features ${mean(rf).toFixed(4)}, Gaussian equivalent ${mean(ge).toFixed(4)}`).toBeLessThan(0.05);
    }
  });
});

describe('papers.md §6 M–M target 5: kernel ridge regression on S^{d−1}(√d), d = 20, polynomial regime (papers.md §5(ii))', () => {
  it('the test error drops from ≈ ‖P_{>1}f*‖² at n ≈ d^1.5 to ≈ ‖P_{>2}f*‖² at n ≈ d^2.5', () => {
    // f* = q₁ + q₂ + q₃ (unit-norm harmonics of degrees 1–3 of ⟨β*, x⟩): ‖P_{>1}f*‖² = 2, ‖P_{>2}f*‖² = 1.
    // Kernel exp(⟨x, x'⟩/d), λ = 1e-3. Measured: 2.24 (n = 89, mean of 4 draws; numpy 2.30) and
    // 1.06 (n = 1789, seed 0; numpy 0.97).
    const coefficients = [0, 1, 1, 1];
    const fit = (n: number, seed: number): number => {
      const data = drawSingleIndexTeacher({ n, d: 20, inputs: 'sphere', coefficients, noise: 0, eval: { n: 5000, noise: false } }, new Rng(seed).derive('data'), 'float64');
      return fitKernelRidge(exponentialKernel(1), data.train, data.eval!, 20, 1e-3).testError;
    };
    const small = mean([0, 1, 2, 3].map((seed) => fit(89, seed)));
    const large = fit(1789, 0);
    expect(Math.abs(small - highDegreeNorm(coefficients, 1))).toBeLessThan(0.5);
    expect(Math.abs(large - highDegreeNorm(coefficients, 2))).toBeLessThan(0.3);
    expect(large).toBeLessThan(0.6 * small);
  });
});
