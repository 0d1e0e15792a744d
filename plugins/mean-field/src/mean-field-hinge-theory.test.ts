// The mean-field hinge theory against what it claims (README §2–3, papers.md §3): exact for a
// population closed under (a, w) → (−a, −w) on an antipodal data set; cosh/sinh trajectories with
// w⊥ fixed and γ ~ log(t)/4 for N = ∞.
import { MeanFieldTwoLayerModel } from '@tdlab/plugin-models';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { inputLaw } from './input-law.js';
import { MeanFieldHingeTheory } from './mean-field-hinge-theory.js';

const e1 = (d: number): Float64Array => Float64Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0));

/** n/2 Gaussian rows and their negatives, labels sign(teacher·x). */
function antipodalSet(n: number, d: number, teacher: Float64Array, rng: Rng): { x: Float64Array; y: Float64Array; n: number } {
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  const half = n / 2;
  for (let i = 0; i < half; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) {
      x[i * d + j] = rng.normal();
      x[(i + half) * d + j] = -x[i * d + j];
      dot += teacher[j] * x[i * d + j];
    }
    y[i] = dot >= 0 ? 1 : -1;
    y[i + half] = -y[i];
  }
  return { x, y, n };
}

describe('MeanFieldHingeTheory — a finite paired population on antipodal data (exact case)', () => {
  it('the Euler theory started from the empirical Σ₀ reproduces every unit of the Euler simulation', () => {
    const d = 5;
    const n = 40;
    const width = 60;
    const alpha = 0.5;
    const h = 1;
    const dt = 0.05;
    const rng = new Rng(11);
    const teacher = Float64Array.from({ length: d }, () => rng.normal());
    const train = antipodalSet(n, d, teacher, rng);
    const model = new MeanFieldTwoLayerModel({ width, inputDim: d, alpha });
    // Units i and i + M/2 are (a, w) and (−a, −w): then f is exactly odd and the force is the same for all units.
    const params = new Float64Array(model.parameterCount);
    const half = width / 2;
    for (let i = 0; i < half; i++) {
      params[i] = rng.normal();
      params[i + half] = -params[i];
      for (let j = 0; j < d; j++) {
        params[width + i * d + j] = rng.normal();
        params[width + (i + half) * d + j] = -params[width + i * d + j];
      }
    }
    const initial = Float64Array.from(params);
    const unitVector = (theta: Float64Array, i: number): Float64Array => Float64Array.from({ length: d + 1 }, (_, k) => (k === 0 ? theta[i] : theta[width + i * d + k - 1]));
    const covariance = new Float64Array((d + 1) ** 2);
    for (let i = 0; i < width; i++) {
      const v = unitVector(initial, i);
      for (let k = 0; k <= d; k++) for (let l = 0; l <= d; l++) covariance[k * (d + 1) + l] += (v[k] * v[l]) / width;
    }
    const theory = new MeanFieldHingeTheory({ d, alpha, h, sigmaA: 1, sigmaW: 1, teacher, data: { kind: 'finite', train }, initialCovariance: covariance, maxStep: dt, integrator: 'euler' });

    const outputs = new Float64Array(n);
    const dLoss = new Float64Array(n);
    const gradient = new Float64Array(model.parameterCount);
    let unsatisfiedSeen = new Set<number>();
    for (let step = 1; step <= 400; step++) {
      model.forward(params, train, outputs);
      let unsatisfied = 0;
      for (let i = 0; i < n; i++) {
        const active = train.y[i] * outputs[i] < h;
        dLoss[i] = active ? -train.y[i] / n : 0; // mean linear hinge
        if (active) unsatisfied++;
      }
      unsatisfiedSeen.add(unsatisfied);
      model.vjp(params, train, dLoss, gradient);
      for (let k = 0; k < params.length; k++) params[k] -= dt * model.timeScale * gradient[k];
      theory.advanceTo(step * dt);
    }
    // The run crossed the interesting regime: the unsatisfied set changed many times.
    expect(unsatisfiedSeen.size).toBeGreaterThan(5);
    let worst = 0;
    for (let i = 0; i < width; i++) {
      const predicted = theory.unit(unitVector(initial, i));
      worst = Math.max(worst, Math.abs(predicted.a - params[i]) / Math.max(1, Math.abs(params[i])));
    }
    expect(worst).toBeLessThan(1e-10);
    const prediction = theory.predict();
    let a2 = 0;
    for (let i = 0; i < width; i++) a2 += params[i] ** 2 / width;
    expect(prediction.a2Mean).toBeCloseTo(a2, 9);
    model.forward(params, train, outputs);
    let loss = 0;
    for (let i = 0; i < n; i++) loss += Math.max(0, h - train.y[i] * outputs[i]) / n;
    expect(prediction.loss).toBeCloseTo(loss, 10);
    unsatisfiedSeen = new Set();
  });
});

describe('MeanFieldHingeTheory — N = ∞ (papers.md §3 claims)', () => {
  const d = 20;
  const make = (law: 'gaussian' | 'sphere', alpha = 1, maxStep = 0.02): MeanFieldHingeTheory =>
    new MeanFieldHingeTheory({ d, alpha, h: 1, sigmaA: 1, sigmaW: 1, teacher: e1(d), data: { kind: 'infinite', law: inputLaw(law, d) }, maxStep });

  it('units move on hyperbolas: Φ restricted to (a, w∥) is the boost by γ(t), w⊥ is fixed, E[a²] = cosh 2γ', () => {
    for (const law of ['gaussian', 'sphere'] as const) {
      const theory = make(law);
      theory.advanceTo(30);
      const { gamma, a2Mean, wPerpendicular2Mean, aWParallelMean } = theory.predict();
      expect(gamma).toBeGreaterThan(1);
      const phi = theory.propagator;
      const size = d + 1;
      expect(phi[0]).toBeCloseTo(Math.cosh(gamma), 6);
      expect(phi[1]).toBeCloseTo(Math.sinh(gamma), 6);
      expect(phi[size]).toBeCloseTo(Math.sinh(gamma), 6);
      expect(phi[size + 1]).toBeCloseTo(Math.cosh(gamma), 6);
      for (let j = 2; j < size; j++) {
        expect(phi[j * size + j]).toBe(1);
        expect(phi[j]).toBe(0);
      }
      expect(a2Mean / Math.cosh(2 * gamma)).toBeCloseTo(1, 8);
      expect(aWParallelMean / Math.sinh(2 * gamma)).toBeCloseTo(1, 8);
      expect(wPerpendicular2Mean).toBeCloseTo(d - 1, 10);
      // A unit (a, w∥) = (a₀cosh γ + w∥₀ sinh γ, w∥₀ cosh γ + a₀ sinh γ).
      const unit = theory.unit(Float64Array.from({ length: size }, (_, k) => [0.3, -1.2, 0.5][k] ?? 0));
      expect(unit.a).toBeCloseTo(0.3 * Math.cosh(gamma) - 1.2 * Math.sinh(gamma), 6);
      expect(unit.wParallel).toBeCloseTo(-1.2 * Math.cosh(gamma) + 0.3 * Math.sinh(gamma), 6);
    }
  });

  it('γ starts linearly with slope ½E|x∥|/√d and grows like log(t)/4 at large t (the slowing down)', () => {
    // The late flow is slow (γ̇ ~ 1/(4t)): steps of 0.25 resolve it.
    const theory = make('gaussian', 1, 0.25);
    expect(theory.predict().speed).toBeCloseTo((0.5 * Math.sqrt(2 / Math.PI)) / Math.sqrt(d), 14);
    const gammaAt = (t: number): number => {
      theory.advanceTo(t);
      return theory.predict().gamma;
    };
    expect(gammaAt(0.25) / 0.25).toBeCloseTo((0.5 * Math.sqrt(2 / Math.PI)) / Math.sqrt(d), 3);
    const g1 = gammaAt(2000);
    const g2 = gammaAt(8000);
    // Slope of γ against log t between t = 2000 and 8000.
    expect((g2 - g1) / Math.log(4)).toBeCloseTo(0.25, 2);
  });

  it('the unsatisfied fraction falls, the loss falls, the train and test errors are 0 once t > 0', () => {
    const theory = make('sphere');
    let previous = theory.predict();
    expect(previous.unsatisfiedFraction).toBe(1);
    expect(previous.loss).toBe(1);
    for (const t of [10, 50, 100, 200]) {
      theory.advanceTo(t);
      const now = theory.predict();
      expect(now.unsatisfiedFraction).toBeLessThan(previous.unsatisfiedFraction);
      expect(now.loss).toBeLessThan(previous.loss);
      expect(now.trainClassError).toBe(0);
      expect(theory.isotropicTestError()).toBe(0);
      previous = now;
    }
  });

  it('larger α needs larger weights for the same margins: E[a²] at t grows with α', () => {
    const a2 = [0.1, 1, 10].map((alpha) => {
      const theory = make('gaussian', alpha);
      theory.advanceTo(100);
      return theory.predict().a2Mean;
    });
    expect(a2[0]).toBeLessThan(a2[1]);
    expect(a2[1]).toBeLessThan(a2[2]);
  });

  it('refuses bad set-ups clearly', () => {
    expect(() => new MeanFieldHingeTheory({ d: 3, alpha: 0, h: 1, sigmaA: 1, sigmaW: 1, teacher: e1(3), data: { kind: 'infinite', law: inputLaw('gaussian', 3) } })).toThrow(/alpha must be positive/);
    expect(() => new MeanFieldHingeTheory({ d: 3, alpha: 1, h: 1, sigmaA: 1, sigmaW: 1, teacher: e1(2), data: { kind: 'infinite', law: inputLaw('gaussian', 3) } })).toThrow(/teacher has 2 components, the inputs 3/);
    expect(() => new MeanFieldHingeTheory({ d: 3, alpha: 1, h: 1, sigmaA: 1, sigmaW: 1, teacher: e1(3), data: { kind: 'infinite', law: inputLaw('gaussian', 3) }, lossScale: 5 })).toThrow(/only the mean hinge/);
    const theory = make('gaussian');
    theory.advanceTo(1);
    expect(() => theory.advanceTo(0.5)).toThrow(/cannot go back/);
  });
});
