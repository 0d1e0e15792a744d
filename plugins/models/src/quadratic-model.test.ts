import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { innerProduct, maxRelativeError, modelProducts, randomNormalVector, shiftedVector } from '@tdlab/core/testing';
import { type FloatArray, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { linearized } from './linearized-model.js';
import { quadratic } from './quadratic-model.js';
import { TwoLayerModel } from './two-layer-model.js';
import { UvModel } from './uv-model.js';

/*
 * What is particular to the neural quadratic model f_quad = f₀ + J₀Δ + ½ΔᵀH₀Δ (Zhu et al.,
 * papers.md §1b): for one input, the NQM of the two-layer ReLU net is the uv model on the units
 * active at initialization, so it follows the exact single-example recursion of §1b; the uv model is
 * its own NQM; the NQM of a ReLU net equals the net wherever no activation has flipped; it is a
 * third-order approximation of a smooth net. The finite-difference checks are in
 * taylor-expansion.test.ts.
 */

const forward = (model: DifferentiableModel, params: FloatArray, inputs: Inputs) => modelProducts(model, inputs).forward(params);
const vjp = (model: DifferentiableModel, params: FloatArray, inputs: Inputs, cotangent: FloatArray) => modelProducts(model, inputs).vjp(params, cotangent);
const jvp = (model: DifferentiableModel, params: FloatArray, inputs: Inputs, tangent: FloatArray) => modelProducts(model, inputs).jvp(params, tangent);
const hvp = (model: DifferentiableModel, params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray) => modelProducts(model, inputs).hvp(params, weights, vector);
const secondDirectional = (model: DifferentiableModel, params: FloatArray, inputs: Inputs, vector: FloatArray) => modelProducts(model, inputs).secondDirectional(params, vector);

describe('quadratic(two-layer ReLU), one input ≡ the uv model on the units active at θ₀ — papers.md §1b (Zhu et al. eq. 10)', () => {
  /*
   * Both models use the parameters θ = [U (m×d), v (m)] and the scale (md)^{-1/2}: the two-layer
   * net f = m^{-1/2} Σᵢ vᵢ relu(uᵢ·x/√d) and UvModel f = (md)^{-1/2} Σᵢ vᵢ (uᵢ·x). With
   * 1ᵢ = 1{u₀ᵢ·x > 0} (relu'(0) = 0), eq. 10 sums to
   *   f_quad(θ; x) = (md)^{-1/2} Σᵢ 1ᵢ vᵢ (uᵢ·x),
   * a uv model over the active units that keeps the width-m scale. The exact identity we test is
   *   f_quad(θ; x) = UvModel_m(mask(θ); x),
   * where mask(θ) zeroes uᵢ and vᵢ of the inactive units; zeroing both makes their uv gradient
   * vanish too, so it holds for every product and along gradient descent: mask(θ_t^quad) = θ_t^uv.
   * (Equivalently, f_quad = √(m′/m)·UvModel_{m′}(active rows) with m′ active units: UvModel's own
   * scale is (m′d)^{-1/2}.)
   */
  const m = 64;
  const d = 5;
  const make = () => new TwoLayerModel({ width: m, inputDim: d, activation: 'relu', secondLayer: 'rademacher' });
  const x = randomNormalVector(new Rng(30), d);
  const single = { x, n: 1 };
  const model = quadratic(make());
  const p = model.parameterCount;
  const theta0 = new Float64Array(p);
  model.initialize(new Rng(31), theta0);
  const active = Array.from({ length: m }, (_, i) => innerProduct(theta0.subarray(i * d, (i + 1) * d), x) > 0);
  const mask = (theta: ArrayLike<number>): Float64Array => {
    const out = Float64Array.from(theta);
    for (let i = 0; i < m; i++) {
      if (active[i]) continue;
      out.fill(0, i * d, (i + 1) * d);
      out[m * d + i] = 0;
    }
    return out;
  };
  const uv = new UvModel({ width: m, inputDim: d });

  it('has both active and inactive units (the identity is not vacuous)', () => {
    const count = active.filter(Boolean).length;
    expect(count).toBeGreaterThan(m / 4);
    expect(count).toBeLessThan((3 * m) / 4);
  });

  it('forward, vjp, jvp, hvp and secondDirectional agree with the masked uv model at any θ (1e-12)', () => {
    const rng = new Rng(32);
    for (const params of [theta0, shiftedVector(theta0, randomNormalVector(rng, p), 0.5), randomNormalVector(rng, p, 2)]) {
      const t = randomNormalVector(rng, p);
      const c = Float64Array.of(1.7);
      expect(maxRelativeError(forward(model, params, single), forward(uv, mask(params), single))).toBeLessThan(1e-12);
      expect(maxRelativeError(vjp(model, params, single, c), vjp(uv, mask(params), single, c))).toBeLessThan(1e-12);
      expect(maxRelativeError(jvp(model, params, single, t), jvp(uv, mask(params), single, mask(t)))).toBeLessThan(1e-12);
      expect(maxRelativeError(hvp(model, params, single, c, t), hvp(uv, mask(params), single, c, mask(t)))).toBeLessThan(1e-12);
      expect(maxRelativeError(secondDirectional(model, params, single, t), secondDirectional(uv, params, single, mask(t)))).toBeLessThan(1e-12);
    }
  });

  it('equals √(m′/m) times the width-m′ uv model of the active rows', () => {
    const params = shiftedVector(theta0, randomNormalVector(new Rng(33), p), 0.5);
    const rows = active.flatMap((on, i) => (on ? [i] : []));
    const small = new UvModel({ width: rows.length, inputDim: d });
    const sub = new Float64Array(small.parameterCount);
    rows.forEach((i, r) => {
      sub.set(params.subarray(i * d, (i + 1) * d), r * d);
      sub[rows.length * d + r] = params[m * d + i];
    });
    const expected = Math.sqrt(rows.length / m) * forward(small, sub, single)[0];
    expect(Math.abs(forward(model, params, single)[0] - expected)).toBeLessThan(1e-12 * Math.abs(expected));
  });

  it.each([
    [3, 0],
    [3, 0.5],
    [1.5, -0.3],
  ])(
    'GD at r = %s, y = %s: mask(θ_t) follows the uv model, and (g, λ) the exact single-example recursion of §1b (1e-9)',
    (r, y) => {
      const nqm = quadratic(make());
      const params = new Float64Array(p);
      nqm.initialize(new Rng(31), params);
      const uvParams = mask(params);
      const xx = innerProduct(x, x);
      // λ = ‖J_θᵀ‖² for one input: the NTK of the NQM at θ, from its own vjp.
      const lambdaOf = (theta: Float64Array) => {
        const row = vjp(nqm, theta, single, Float64Array.of(1));
        return innerProduct(row, row);
      };
      const lambda0 = lambdaOf(params);
      // λ₀ = (md)^{-1} Σᵢ 1ᵢ (vᵢ²‖x‖² + (uᵢ·x)²) (papers.md §1b).
      let formula = 0;
      for (let i = 0; i < m; i++) {
        if (active[i]) formula += params[m * d + i] ** 2 * xx + innerProduct(params.subarray(i * d, (i + 1) * d), x) ** 2;
      }
      expect(Math.abs(lambda0 - formula / (m * d))).toBeLessThan(1e-12 * lambda0);
      const eta = r / lambda0;
      const k = xx / (m * d);
      let g = forward(nqm, params, single)[0];
      let lambda = lambda0;
      let peak = Math.abs(g - y);
      for (let t = 0; t < 30; t++) {
        const e = g - y;
        const gNext = y + (1 - eta * lambda + k * eta * eta * e * g) * e;
        const lambdaNext = lambda - eta * k * e * e * ((4 * g) / e - eta * lambda);
        const gradient = vjp(nqm, params, single, Float64Array.of(e));
        const uvGradient = vjp(uv, uvParams, single, Float64Array.of(forward(uv, uvParams, single)[0] - y));
        for (let j = 0; j < p; j++) {
          params[j] -= eta * gradient[j];
          uvParams[j] -= eta * uvGradient[j];
        }
        g = forward(nqm, params, single)[0];
        lambda = lambdaOf(params);
        expect(maxRelativeError(mask(params), uvParams)).toBeLessThan(1e-9);
        expect(Math.abs(g - gNext)).toBeLessThan(1e-9 * Math.max(Math.abs(g), Math.abs(e), 1));
        expect(Math.abs(lambda - lambdaNext)).toBeLessThan(1e-9 * lambda0);
        peak = Math.max(peak, Math.abs(g - y));
      }
      if (r > 2) {
        // The catapult (papers.md §1b, Theorem 1): the residual grows, then λ falls below 2/η.
        expect(peak).toBeGreaterThan(2 * Math.abs(forward(make(), theta0, single)[0] - y));
        expect(eta * lambda).toBeLessThan(2);
      }
    },
  );
});

describe('quadratic — papers.md §1b', () => {
  const n = 4;
  const d = 3;
  const m = 16;
  const inputs = { x: randomNormalVector(new Rng(40), n * d), n };

  it('the uv model is its own NQM: all products of quadratic(uv) equal uv’s at any θ (1e-12)', () => {
    const base = new UvModel({ width: m, inputDim: d });
    const model = quadratic(new UvModel({ width: m, inputDim: d }));
    const p = model.parameterCount;
    const theta0 = new Float64Array(p);
    model.initialize(new Rng(41), theta0);
    const rng = new Rng(42);
    for (const params of [shiftedVector(theta0, randomNormalVector(rng, p), 1), randomNormalVector(rng, p, 3)]) {
      const t = randomNormalVector(rng, p);
      const c = randomNormalVector(rng, n);
      expect(maxRelativeError(forward(model, params, inputs), forward(base, params, inputs))).toBeLessThan(1e-12);
      expect(maxRelativeError(jvp(model, params, inputs, t), jvp(base, params, inputs, t))).toBeLessThan(1e-12);
      expect(maxRelativeError(vjp(model, params, inputs, c), vjp(base, params, inputs, c))).toBeLessThan(1e-12);
      expect(maxRelativeError(hvp(model, params, inputs, c, t), hvp(base, params, inputs, c, t))).toBeLessThan(1e-12);
      expect(maxRelativeError(secondDirectional(model, params, inputs, t), secondDirectional(base, params, inputs, t))).toBeLessThan(1e-12);
    }
  });

  it('the NQM of a ReLU net equals the net wherever no activation has flipped since θ₀ (1e-12)', () => {
    const model = quadratic(new TwoLayerModel({ width: m, inputDim: d, activation: 'relu' }));
    const p = model.parameterCount;
    const theta0 = new Float64Array(p);
    model.initialize(new Rng(43), theta0);
    const params = shiftedVector(theta0, randomNormalVector(new Rng(44), p), 1e-3);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < m; i++) {
        const before = innerProduct(theta0.subarray(i * d, (i + 1) * d), inputs.x.subarray(k * d, (k + 1) * d));
        const after = innerProduct(params.subarray(i * d, (i + 1) * d), inputs.x.subarray(k * d, (k + 1) * d));
        expect(Math.sign(after)).toBe(Math.sign(before));
      }
    }
    expect(maxRelativeError(forward(model, params, inputs), forward(model.base, params, inputs))).toBeLessThan(1e-12);
  });

  it('approximates a smooth net to third order: |f_quad − f| = O(ε³) along θ₀ + εΔ (ratio 8 per halving), where f_lin has O(ε²)', () => {
    const make = () => new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' });
    const quad = quadratic(make());
    const lin = linearized(make());
    const theta0 = new Float64Array(quad.parameterCount);
    quad.initialize(new Rng(45), theta0);
    lin.expandAt(theta0);
    const direction = randomNormalVector(new Rng(46), quad.parameterCount);
    const error = (model: DifferentiableModel, eps: number) => {
      const params = shiftedVector(theta0, direction, eps);
      return maxRelativeError(forward(model, params, inputs), forward(quad.base, params, inputs));
    };
    for (const eps of [0.1, 0.05]) {
      const ratio = error(quad, eps) / error(quad, eps / 2);
      expect(ratio).toBeGreaterThan(7);
      expect(ratio).toBeLessThan(9);
      expect(error(quad, eps)).toBeLessThan(error(lin, eps));
    }
  });

  it('the per-sample bilinear form ΔᵀH₀,k t (jvp’s Hessian term, by polarization) matches ⟨H₀,kΔ, t⟩ from hvp, whatever the scales of Δ and t (1e-12)', () => {
    const model = quadratic(new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' }));
    const base = new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' });
    const p = model.parameterCount;
    const theta0 = new Float64Array(p);
    model.initialize(new Rng(47), theta0);
    const rng = new Rng(48);
    const direction = randomNormalVector(rng, p);
    const tangent = randomNormalVector(rng, p);
    for (const [deltaScale, tangentScale] of [
      [1, 1],
      [1e3, 1e-6],
      [1e-6, 1e4],
    ]) {
      const params = shiftedVector(theta0, direction, deltaScale);
      const delta = direction.map((value) => value * deltaScale);
      const t = tangent.map((value) => value * tangentScale);
      // jvp(θ, t) − J₀t is the bilinear form; the reference takes row k of Σ_k w_k H₀,k Δ with w = e_k.
      const hessianTerm = jvp(model, params, inputs, t).map((value, k) => value - jvp(base, theta0, inputs, t)[k]);
      const reference = new Float64Array(n).map((_, k) => {
        const e = new Float64Array(n);
        e[k] = 1;
        return innerProduct(hvp(base, theta0, inputs, e, delta), t);
      });
      // Relative to the natural scale of the term, ‖H‖·‖Δ‖·‖t‖ (here max |reference|).
      expect(maxRelativeError(hessianTerm, reference)).toBeLessThan(1e-10);
    }
  });
});
