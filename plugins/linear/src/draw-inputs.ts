import { allocate, type FloatArray, type Precision, type Rng } from '@tdlab/tensor';

/** The isotropic law z of the inputs x = Σ^{1/2}z: N(0, I_d) or uniform on the sphere S^{d−1}(√d). */
export const inputLaws = ['gaussian', 'sphere'] as const;
export type InputLaw = (typeof inputLaws)[number];

/**
 * n rows x = Σ^{1/2}z (row-major, in the run's precision) with Σ = diag(covariance) and z ~ N(0, I_d)
 * or z ~ Unif(S^{d−1}(√d)) (a Gaussian row scaled to norm √d). Either way E xxᵀ = Σ exactly.
 * Draws n·d normals in float64, row by row.
 */
export function drawInputs(rng: Rng, law: InputLaw, covariance: Float64Array, n: number, precision: Precision): FloatArray {
  const d = covariance.length;
  const x = allocate(precision, n * d);
  const row = new Float64Array(d);
  const root = covariance.map(Math.sqrt);
  for (let i = 0; i < n; i++) {
    rng.fillNormal(row);
    let scale = 1;
    if (law === 'sphere') {
      let sum = 0;
      for (let l = 0; l < d; l++) sum += row[l] * row[l];
      scale = Math.sqrt(d / sum);
    }
    for (let l = 0; l < d; l++) x[i * d + l] = root[l] * scale * row[l];
  }
  return x;
}

/** A direction of norm `norm`: uniform on the sphere (`random`, d normals drawn) or along e₁ (`first`, d normals drawn all the same). */
export function drawTeacher(rng: Rng, d: number, norm: number, direction: 'random' | 'first'): Float64Array {
  const beta = new Float64Array(d);
  rng.fillNormal(beta);
  if (direction === 'first') {
    beta.fill(0);
    beta[0] = norm;
    return beta;
  }
  let sum = 0;
  for (let l = 0; l < d; l++) sum += beta[l] * beta[l];
  const scale = norm / Math.sqrt(sum);
  for (let l = 0; l < d; l++) beta[l] *= scale;
  return beta;
}

/** ⟨β, x_i⟩ for row i of x, in float64. */
export function rowDot(x: FloatArray, i: number, d: number, beta: ArrayLike<number>): number {
  let sum = 0;
  const offset = i * d;
  for (let l = 0; l < d; l++) sum += beta[l] * x[offset + l];
  return sum;
}
