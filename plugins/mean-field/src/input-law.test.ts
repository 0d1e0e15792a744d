import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { erf, inputLaw, logGamma } from './input-law.js';

describe('input laws of the teacher coordinate x∥', () => {
  it('erf matches reference values to 1e-15 on both branches (series below 2.5, continued fraction above)', () => {
    // Reference values: CPython's math.erf (correctly rounded to about 1 ulp).
    const cases: [number, number][] = [
      [0, 0],
      [1e-3, 0.0011283787909692365],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.49, 0.9995707121322661],
      [3, 0.9999779095030014],
      [5, 0.9999999999984626],
    ];
    for (const [x, value] of cases) {
      expect(Math.abs(erf(x) - value)).toBeLessThan(1e-15);
      expect(erf(-x) + erf(x)).toBe(0);
    }
  });

  it('logGamma matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    // Γ(20.5) = Γ(½)·Π_{k<20}(k + ½)
    let log = Math.log(Math.sqrt(Math.PI));
    for (let k = 0; k < 20; k++) log += Math.log(k + 0.5);
    expect(logGamma(20.5)).toBeCloseTo(log, 11);
  });

  it.each(['gaussian', 'sphere'] as const)('%s: P(|x∥| < κ) and E[|x∥|; |x∥| < κ] agree with Monte Carlo (d = 7)', (name) => {
    const d = 7;
    const law = inputLaw(name, d);
    const rng = new Rng(3);
    const samples = 200_000;
    const parallel = new Float64Array(samples);
    const row = new Float64Array(d);
    for (let s = 0; s < samples; s++) {
      rng.fillNormal(row);
      const norm = Math.hypot(...row);
      parallel[s] = Math.abs(name === 'gaussian' ? row[0] : (Math.sqrt(d) * row[0]) / norm);
    }
    for (const kappa of [0.1, 0.5, 1, 2]) {
      let below = 0;
      let moment = 0;
      for (const value of parallel) {
        if (value < kappa) {
          below++;
          moment += value;
        }
      }
      // Standard errors are below 1.2e-3 for these sample sizes.
      expect(Math.abs(law.fractionBelow(kappa) - below / samples)).toBeLessThan(5e-3);
      expect(Math.abs(law.absMomentBelow(kappa) - moment / samples)).toBeLessThan(5e-3);
    }
    expect(law.fractionBelow(Infinity)).toBe(1);
  });

  it('the totals: E|x∥| = √(2/π) (gaussian) and √d·Γ(d/2)/(√π Γ((d+1)/2)) (sphere of radius √d); sphere P reaches 1 at √d', () => {
    expect(inputLaw('gaussian', 5).absMomentBelow(Infinity)).toBeCloseTo(Math.sqrt(2 / Math.PI), 15);
    for (const d of [2, 3, 10, 40]) {
      const sphere = inputLaw('sphere', d);
      const expected = (Math.sqrt(d) * Math.exp(logGamma(d / 2) - logGamma((d + 1) / 2))) / Math.sqrt(Math.PI);
      expect(sphere.absMomentBelow(Infinity)).toBeCloseTo(expected, 12);
      expect(sphere.fractionBelow(Math.sqrt(d))).toBe(1);
    }
    // d = 2: t = cos of a uniform angle, P(|t| < τ) = (2/π) asin τ; d = 3: t is uniform (Archimedes), P = τ.
    for (const tau of [0.1, 0.5, 0.9, 0.999999]) {
      expect(inputLaw('sphere', 2).fractionBelow(Math.sqrt(2) * tau)).toBeCloseTo((2 / Math.PI) * Math.asin(tau), 13);
      expect(inputLaw('sphere', 3).fractionBelow(Math.sqrt(3) * tau)).toBeCloseTo(tau, 13);
    }
    expect(() => inputLaw('sphere', 1)).toThrow(/d must be an integer ≥ 2/);
  });
});
