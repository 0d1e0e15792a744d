import { Rng } from '@tdlab/tensor';
import type { Inputs } from '../model/differentiable-model.js';
import { type DerivativeProducts, modelProducts } from './model-products.js';
import { innerProduct, randomNormalVector, shiftedVector } from './vector-helpers.js';

/*
 * One finite-difference checker for every DifferentiableModel (papers.md §0: J is n×p with
 * J_ij = ∂f(x_i)/∂θ_j; H_w = Σ_k w_k ∇²f_k). It throws plain Errors, so it works under any test
 * runner and costs consumers no vitest import.
 */

/**
 * What `checkModelDerivatives` compares. With t the tangent, u the second tangent, c the cotangent,
 * w the weights, h the step and e_j the j-th unit vector:
 * - `jvp`: J t against (f(θ + ht) − f(θ − ht)) / 2h;
 * - `vjp`: (Jᵀc)_j against (⟨c, f(θ + he_j)⟩ − ⟨c, f(θ − he_j)⟩) / 2h, coordinate by coordinate;
 * - `hvp-vjp`: H_w t against (Jᵀ(θ + ht)w − Jᵀ(θ − ht)w) / 2h;
 * - `hvp-jvp`: (H_w t)_j against (⟨w, J(θ + ht)e_j⟩ − ⟨w, J(θ − ht)e_j⟩) / 2h, coordinate by coordinate;
 * - `second-jvp`: tᵀ∇²f_k t against (J(θ + ht)t − J(θ − ht)t)_k / 2h;
 * - `second-forward`: tᵀ∇²f_k t against (f(θ + Ht) − 2f(θ) + f(θ − Ht))_k / H², H = `secondStep`;
 * - `adjoint`: ⟨c, J t⟩ = ⟨Jᵀc, t⟩;
 * - `hvp-symmetry`: ⟨t, H_w u⟩ = ⟨H_w t, u⟩;
 * - `second-hvp`: Σ_k w_k tᵀ∇²f_k t = ⟨t, H_w t⟩.
 * The first six are finite-difference checks (`tolerance`), the last three exact identities
 * (`identityTolerance`).
 */
export type DerivativeCheckName = 'jvp' | 'vjp' | 'hvp-vjp' | 'hvp-jvp' | 'second-jvp' | 'second-forward' | 'adjoint' | 'hvp-symmetry' | 'second-hvp';

export const derivativeCheckNames: readonly DerivativeCheckName[] = ['jvp', 'vjp', 'hvp-vjp', 'hvp-jvp', 'second-jvp', 'second-forward', 'adjoint', 'hvp-symmetry', 'second-hvp'];

export interface CheckModelDerivativesOptions {
  /** The checks to run, in this order; all of `derivativeCheckNames` by default. */
  readonly checks?: readonly DerivativeCheckName[];
  /** h of the first central differences (every finite-difference check but `second-forward`); 1e-6. */
  readonly step?: number;
  /** H of the second central difference of forward (`second-forward`); 1e-4. */
  readonly secondStep?: number;
  /**
   * A finite-difference check passes when max |got − want| < tolerance · max |want|, the error
   * relative to the scale of the reference; 1e-6.
   */
  readonly tolerance?: number;
  /**
   * … or when max |got − want| ≤ absoluteTolerance: for a reference that is (near) zero, as the
   * Hessian of a model linear in θ; 0.
   */
  readonly absoluteTolerance?: number;
  /** An identity passes when |left − right| ≤ identityTolerance · |left|; 1e-12. */
  readonly identityTolerance?: number;
  /** Per-check step and tolerances, over the values above (`step` stands for `secondStep` in `second-forward`). */
  readonly overrides?: Partial<Record<DerivativeCheckName, { readonly step?: number; readonly tolerance?: number; readonly absoluteTolerance?: number }>>;
  /** t (length p). Each of the four vectors not given is drawn N(0, 1) from `new Rng(seed)`, in this order. */
  readonly tangent?: ArrayLike<number>;
  /** u (length p), the second tangent of `hvp-symmetry`. */
  readonly secondTangent?: ArrayLike<number>;
  /** c (length n), the cotangent of `vjp` and `adjoint`. */
  readonly cotangent?: ArrayLike<number>;
  /** w (length n), the output weights of the Hessian products. */
  readonly weights?: ArrayLike<number>;
  /** Seed of the vectors not given; 1. */
  readonly seed?: number;
  /**
   * f(θ) on `inputs` (length n), written independently of the model: differenced in place of
   * `model.forward` by `jvp`, `vjp` and `second-forward`, so those also check the forward pass.
   */
  readonly forwardReference?: (params: Float64Array) => ArrayLike<number>;
  /** Names the model in the error message; its class name by default. */
  readonly name?: string;
}

/** The outcome of one check: `error` against `tolerance · scale` (finite differences) or `tolerance · |left|` (identities). */
export interface DerivativeCheckResult {
  readonly check: DerivativeCheckName;
  readonly passed: boolean;
  /** What was compared with what, and with which step. */
  readonly description: string;
  /** max |got − want| (finite differences) or |left − right| (identities). */
  readonly error: number;
  /** max |want| (finite differences) or |left| (identities). */
  readonly scale: number;
  readonly tolerance: number;
  /** Where the error is largest, for a finite-difference check. */
  readonly index?: number;
  readonly got: number;
  readonly want: number;
}

/** Thrown by `checkModelDerivatives` when a check fails; the message names each failure, `results` holds every check. */
export class DerivativeCheckError extends Error {
  constructor(
    readonly results: readonly DerivativeCheckResult[],
    modelName?: string,
  ) {
    const failed = results.filter((result) => !result.passed);
    super(`${modelName ?? 'model'}: ${failed.length} of ${results.length} derivative checks failed\n${failed.map(formatDerivativeCheck).join('\n')}`);
    this.name = 'DerivativeCheckError';
  }
}

/** One line a check: name, what was compared, where, got, want and the tolerance. */
export function formatDerivativeCheck(result: DerivativeCheckResult): string {
  const at = result.index === undefined ? '' : ` at index ${result.index}`;
  const bound = result.index === undefined ? `${result.tolerance} × |left| = ${result.tolerance * result.scale}` : `${result.tolerance} × max |want| = ${result.tolerance * result.scale}`;
  return `${result.passed ? 'ok' : 'FAILED'} ${result.check} (${result.description}): |got − want| = ${result.error}${at} (got ${result.got}, want ${result.want}); tolerance ${bound}`;
}

/**
 * Checks a model's jvp, vjp, hvp and secondDirectional at (params, inputs) against central finite
 * differences of its own forward pass (or of `forwardReference`) and against each other (the
 * adjoint identity, the symmetry of the Hessian product), in float64. Returns every result; throws
 * a `DerivativeCheckError` naming the failures when any fails. Steps and tolerances are options
 * because they depend on the model: a polynomial in θ takes large steps, a smooth network small ones.
 *
 * @example
 * checkModelDerivatives(model, params, { x, n }, { step: 1e-5, tolerance: 1e-7 });
 */
export function checkModelDerivatives(
  model: DerivativeProducts,
  params: ArrayLike<number>,
  inputs: Inputs,
  options: CheckModelDerivativesOptions = {},
): DerivativeCheckResult[] {
  const p = model.parameterCount;
  const n = inputs.n;
  const theta = Float64Array.from(params);
  const rng = new Rng(options.seed ?? 1);
  const vector = (given: ArrayLike<number> | undefined, length: number, name: string): Float64Array => {
    const drawn = randomNormalVector(rng, length);
    if (given === undefined) return drawn;
    if (given.length !== length) throw new RangeError(`checkModelDerivatives: ${name} has length ${given.length}, expected ${length}`);
    return Float64Array.from(given);
  };
  const t = vector(options.tangent, p, 'tangent');
  const u = vector(options.secondTangent, p, 'secondTangent');
  const c = vector(options.cotangent, n, 'cotangent');
  const w = vector(options.weights, n, 'weights');

  const products = modelProducts(model, inputs);
  const forward = (at: Float64Array): ArrayLike<number> => (options.forwardReference ? options.forwardReference(at) : products.forward(at));
  const { jvp, vjp } = products;
  const hvp = (vector: Float64Array): Float64Array => products.hvp(theta, w, vector);
  const secondDirectional = (): Float64Array => products.secondDirectional(theta, t);
  const unitShift = (j: number, h: number): Float64Array => {
    const out = Float64Array.from(theta);
    out[j] += h;
    return out;
  };

  const compare = (check: DerivativeCheckName, absoluteTolerance: number, description: string, tolerance: number, got: ArrayLike<number>, want: ArrayLike<number>): DerivativeCheckResult => {
    let error = 0;
    let scale = 0;
    let index = 0;
    for (let i = 0; i < want.length; i++) {
      const difference = Math.abs(got[i] - want[i]);
      if (!(difference <= error)) [error, index] = [difference, i];
      if (Number.isNaN(difference)) break; // a NaN fails the check, and is where it points
      scale = Math.max(scale, Math.abs(want[i]));
    }
    const passed = got.length === want.length && (error <= absoluteTolerance || error < tolerance * scale);
    return { check, passed, description, error, scale, tolerance, index, got: got[index], want: want[index] };
  };
  const identity = (check: DerivativeCheckName, description: string, tolerance: number, left: number, right: number): DerivativeCheckResult => {
    const error = Math.abs(left - right);
    return { check, passed: error <= tolerance * Math.abs(left), description, error, scale: Math.abs(left), tolerance, got: left, want: right };
  };

  const results: DerivativeCheckResult[] = [];
  for (const check of options.checks ?? derivativeCheckNames) {
    const override = options.overrides?.[check];
    const h = override?.step ?? (check === 'second-forward' ? (options.secondStep ?? 1e-4) : (options.step ?? 1e-6));
    const tolerance = override?.tolerance ?? (check === 'adjoint' || check === 'hvp-symmetry' || check === 'second-hvp' ? (options.identityTolerance ?? 1e-12) : (options.tolerance ?? 1e-6));
    const absoluteTolerance = override?.absoluteTolerance ?? options.absoluteTolerance ?? 0;
    const up = shiftedVector(theta, t, h);
    const down = shiftedVector(theta, t, -h);
    switch (check) {
      case 'jvp': {
        const plus = forward(up);
        const minus = forward(down);
        const fd = Float64Array.from(plus, (value, k) => (value - minus[k]) / (2 * h));
        results.push(compare(check, absoluteTolerance, `J t against central differences of forward along t, h = ${h}`, tolerance, jvp(theta, t), fd));
        break;
      }
      case 'vjp': {
        const fd = new Float64Array(p);
        for (let j = 0; j < p; j++) fd[j] = (innerProduct(c, forward(unitShift(j, h))) - innerProduct(c, forward(unitShift(j, -h)))) / (2 * h);
        results.push(compare(check, absoluteTolerance, `Jᵀc against central differences of ⟨c, f⟩ coordinate by coordinate, h = ${h}`, tolerance, vjp(theta, c), fd));
        break;
      }
      case 'hvp-vjp': {
        const plus = vjp(up, w);
        const minus = vjp(down, w);
        const fd = plus.map((value, j) => (value - minus[j]) / (2 * h));
        results.push(compare(check, absoluteTolerance, `H_w t against central differences of Jᵀw along t, h = ${h}`, tolerance, hvp(t), fd));
        break;
      }
      case 'hvp-jvp': {
        // (Σ_k w_k ∇²f_k t)_j = d/ds ⟨w, J(θ + s·t) e_j⟩ at s = 0.
        const fd = new Float64Array(p);
        const e = new Float64Array(p);
        for (let j = 0; j < p; j++) {
          e.fill(0);
          e[j] = 1;
          fd[j] = (innerProduct(w, jvp(up, e)) - innerProduct(w, jvp(down, e))) / (2 * h);
        }
        results.push(compare(check, absoluteTolerance, `H_w t against central differences of ⟨w, J e_j⟩ along t, h = ${h}`, tolerance, hvp(t), fd));
        break;
      }
      case 'second-jvp': {
        const plus = jvp(up, t);
        const minus = jvp(down, t);
        const fd = plus.map((value, k) => (value - minus[k]) / (2 * h));
        results.push(compare(check, absoluteTolerance, `secondDirectional against central differences of J t along t, h = ${h}`, tolerance, secondDirectional(), fd));
        break;
      }
      case 'second-forward': {
        const plus = forward(up);
        const mid = forward(theta);
        const minus = forward(down);
        const fd = Float64Array.from(plus, (value, k) => (value - 2 * mid[k] + minus[k]) / (h * h));
        results.push(compare(check, absoluteTolerance, `secondDirectional against the second central difference of forward along t, h = ${h}`, tolerance, secondDirectional(), fd));
        break;
      }
      case 'adjoint':
        results.push(identity(check, '⟨c, J t⟩ = ⟨Jᵀc, t⟩', tolerance, innerProduct(c, jvp(theta, t)), innerProduct(vjp(theta, c), t)));
        break;
      case 'hvp-symmetry':
        results.push(identity(check, '⟨t, H_w u⟩ = ⟨H_w t, u⟩', tolerance, innerProduct(t, hvp(u)), innerProduct(hvp(t), u)));
        break;
      case 'second-hvp':
        results.push(identity(check, 'Σ_k w_k secondDirectional_k = ⟨t, H_w t⟩', tolerance, innerProduct(t, hvp(t)), innerProduct(w, secondDirectional())));
        break;
    }
  }
  if (results.some((result) => !result.passed)) throw new DerivativeCheckError(results, options.name ?? model.constructor.name);
  return results;
}
