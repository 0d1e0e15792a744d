import { describe, expect, it } from 'vitest';
import { trace, uvStudy } from './support.js';

const peak = (loss: number[]) => Math.max(...loss.filter(Number.isFinite));

describe('Lewkowycz et al. 2020, uv model — papers.md §6 targets 1–5', () => {
  it.each([1, 1.9])('target 1: lazy at r = %s (m = 1000): the loss never exceeds L₀ and λ stays within 5% of λ₀', async (r) => {
    const run = await trace(uvStudy(1000, r));
    const loss = run.map((t) => t.loss);
    expect(Math.max(...loss)).toBeLessThanOrEqual(loss[0]);
    expect(Math.abs(run.at(-1)!.lambda / run[0].lambda - 1)).toBeLessThan(0.05);
    expect(run.at(-1)!.outcome).toBe('max-steps');
  });

  it('target 2: catapult at r = 3 (m = 1000): peak loss > 0.05·m, final loss < 1e-10, η·λ_final < 2', async () => {
    const run = await trace(uvStudy(1000, 3));
    const last = run.at(-1)!;
    expect(peak(run.map((t) => t.loss))).toBeGreaterThan(0.05 * 1000);
    expect(last.loss).toBeLessThan(1e-10);
    expect(last.lr * last.lambda).toBeLessThan(2);
    expect(last.outcome).toBe('max-steps');
  });

  for (const width of [100, 1000, 10_000]) {
    it.each([4.1, 4.5])(`target 3: diverges at r = %s for m = ${width} (loss > 1e12 or non-finite within 20 steps)`, async (r) => {
      const run = await trace({ ...uvStudy(width, r, 20), stop: { lossAbove: 1e12 } });
      const last = run.at(-1)!;
      expect(last.outcome).toBe('diverged');
      expect(last.step).toBeLessThanOrEqual(20);
      expect(!Number.isFinite(last.loss) || last.loss > 1e12).toBe(true);
    });
  }

  it('target 4: the catapult peak grows with the width: peak(m = 1e4)/peak(m = 1e3) ∈ [5, 20] at r = 3', async () => {
    const small = await trace(uvStudy(1000, 3, 200));
    const large = await trace(uvStudy(10_000, 3, 200));
    const ratio = peak(large.map((t) => t.loss)) / peak(small.map((t) => t.loss));
    expect(ratio).toBeGreaterThanOrEqual(5);
    expect(ratio).toBeLessThanOrEqual(20);
  });

  it.each([1, 3, 4.5])('target 5: one GD step reproduces eq. 2 for (f, λ) to 1e-9 relative (r = %s)', async (r) => {
    const m = 1000;
    const run = await trace(uvStudy(m, r, 30));
    // Stop once f has converged to rounding level (|f| < 1e-6) or blown up: eq. 2 is then a
    // statement about rounding errors, not dynamics.
    for (let t = 0; t + 1 < run.length && Number.isFinite(run[t + 1].loss) && Math.abs(run[t].output) < 1e6 && Math.abs(run[t].output) > 1e-6; t++) {
      const { output: f, lambda, lr: eta } = run[t];
      // f_{t+1} = (1 − ηλ_t + η²f_t²/m)·f_t and λ_{t+1} = λ_t + (η f_t²/m)(ηλ_t − 4)   (eq. 2)
      const fNext = (1 - eta * lambda + (eta * eta * f * f) / m) * f;
      const lambdaNext = lambda + ((eta * f * f) / m) * (eta * lambda - 4);
      // Relative to the size of the terms: at r = 1 the factor 1 − ηλ cancels, so f_{t+1} is far
      // smaller than the f_t whose rounding it inherits.
      expect(Math.abs(run[t + 1].output - fNext)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(fNext), Math.abs(f)));
      expect(Math.abs(run[t + 1].lambda - lambdaNext)).toBeLessThanOrEqual(1e-9 * Math.abs(lambdaNext));
    }
  });

  it('λ₀ of the uv model is (‖u‖² + ‖v‖²)/m and the learning rate is r/λ₀', async () => {
    const run = await trace(uvStudy(1000, 3, 1));
    // E[λ₀] = 2 for N(0,1) entries; at m = 1000 it is within a few percent.
    expect(run[0].lambda).toBeGreaterThan(1.8);
    expect(run[0].lambda).toBeLessThan(2.2);
    expect(run[0].lr * run[0].lambda).toBeCloseTo(3, 12);
  });
});
