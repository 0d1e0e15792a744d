import { describe, expect, it } from 'vitest';
import { GEMV_WASM_MIN_WORK, gemv, referenceGemv } from '../blas.js';
import { allocate, type Precision } from '../float-array.js';
import { KernelWorkspace } from '../kernel-workspace.js';
import { Rng } from '../rng.js';
import { wasmGemv } from './engine.js';

/*
 * The WASM gemv against the TypeScript reference: the same products summed in another order
 * (8 or 16 interleaved lanes), so they agree within the forward error bound of a dot product,
 * |got − want| ≤ ε·(n + 2)·Σ|terms|, with ε = 2^-52 (float64) or 2^-24 (float32, computed in
 * float32). The transposed float64 product adds the rows in the reference's order, so it is equal
 * bit for bit. Sizes cover tails of the 8- and 16-lane loops (n = 1, 7, 9, 17, 33) and beta.
 */
const EPSILON: Record<Precision, number> = { float64: 2 ** -52, float32: 2 ** -24 };

describe('wasm gemv', () => {
  for (const precision of ['float64', 'float32'] as Precision[]) {
    for (const trans of [false, true]) {
      it(`${precision} trans=${trans} agrees with the reference`, () => {
        const rng = new Rng(9).derive(`${precision} ${trans}`);
        for (const [m, n] of [[1, 1], [5, 7], [9, 9], [17, 33], [64, 1], [130, 257]] as const) {
          for (const [alpha, beta] of [[1, 0], [-0.5, 1], [2, -0.75]] as const) {
            const a = allocate(precision, m * n);
            const x = allocate(precision, trans ? m : n);
            const y0 = allocate(precision, trans ? n : m);
            rng.fillNormal(a);
            rng.fillNormal(x);
            rng.fillNormal(y0);
            const want = Float64Array.from(y0);
            const magnitude = new Float64Array(want.length);
            const a64 = Float64Array.from(a);
            const x64 = Float64Array.from(x);
            for (let i = 0; i < want.length; i++) {
              let sum = 0;
              let abs = 0;
              const count = trans ? m : n;
              for (let j = 0; j < count; j++) {
                const term = trans ? a64[j * n + i] * x64[j] : a64[i * n + j] * x64[j];
                sum += term;
                abs += Math.abs(term);
              }
              const previous = beta === 0 ? 0 : beta * y0[i];
              want[i] = alpha * sum + previous;
              magnitude[i] = Math.abs(alpha) * abs + Math.abs(previous);
            }
            const y = allocate(precision, y0.length);
            y.set(y0);
            if (beta === 0) y.fill(Number.NaN); // beta = 0 ignores what is in y
            wasmGemv(trans, m, n, alpha, a, x, beta, y);
            const bound = EPSILON[precision] * ((trans ? m : n) + 4);
            for (let i = 0; i < want.length; i++) {
              expect(Math.abs(y[i] - want[i]), `${m}×${n} element ${i}`).toBeLessThanOrEqual(bound * magnitude[i] + 1e-300);
            }
            if (precision === 'float64' && trans) {
              const reference = Float64Array.from(y0);
              referenceGemv(trans, m, n, alpha, a, x, beta, reference);
              expect(Array.from(y)).toEqual(Array.from(reference));
            }
          }
        }
      });
    }
  }

  it('gemv dispatches large products to the kernels and uses resident operands in place', () => {
    const [m, n] = [128, 64];
    expect(m * n).toBeGreaterThanOrEqual(GEMV_WASM_MIN_WORK);
    const ws = new KernelWorkspace();
    const a = ws.allocate('float64', m * n);
    const x = ws.allocate('float64', n);
    const y = ws.allocate('float64', m);
    new Rng(1).fillNormal(a);
    new Rng(2).fillNormal(x);
    gemv(false, m, n, 1, a, x, 0, y);
    const staged = new Float64Array(m);
    gemv(false, m, n, 1, Float64Array.from(a), Float64Array.from(x), 0, staged);
    expect(Array.from(y)).toEqual(Array.from(staged));
    const reference = new Float64Array(m);
    referenceGemv(false, m, n, 1, a, x, 0, reference);
    for (let i = 0; i < m; i++) expect(Math.abs(y[i] - reference[i])).toBeLessThan(1e-12);
    ws.release();
  });
});
