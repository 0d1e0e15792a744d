import { describe, expect, it } from 'vitest';
import { gemm } from './blas.js';
import { allocate, type Precision } from './float-array.js';
import { KernelWorkspace } from './kernel-workspace.js';
import { PackedGemmOperand } from './packed-operand.js';
import { Rng } from './rng.js';
import { startGemmThreads } from './wasm/engine.js';

/*
 * A prepacked left operand must give exactly what gemm gives with the same arguments (both run
 * on the WASM kernels at these sizes, threaded for the largest), for both transposes of A and of B,
 * shapes that are not multiples of the panels (m = 37, k = 300 > KC = 256), alpha folded in, beta ≠ 0,
 * and keep doing so for many right-hand sides (the power-iteration use).
 */
const PRECISIONS: Precision[] = ['float64', 'float32'];

describe('PackedGemmOperand', () => {
  for (const precision of PRECISIONS) {
    it(`${precision}: multiply equals gemm bit for bit`, async () => {
      await startGemmThreads();
      const rng = new Rng(11).derive(precision);
      for (const [m, n, k] of [
        [37, 29, 300],
        [301, 64, 513],
        [512, 64, 700],
      ] as const) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = allocate(precision, m * k);
            rng.fillNormal(a);
            const packed = PackedGemmOperand.pack(transA, m, k, 0.75, a);
            a.fill(Number.NaN); // a snapshot: A is not read again
            const original = allocate(precision, m * k);
            for (let rhs = 0; rhs < 3; rhs++) {
              rng.fillNormal(original);
              const b = allocate(precision, k * n);
              const c = allocate(precision, m * n);
              rng.fillNormal(b);
              rng.fillNormal(c);
              const want = allocate(precision, m * n);
              want.set(c);
              const again = PackedGemmOperand.pack(transA, m, k, 0.75, original);
              gemm(transA, transB, m, n, k, 0.75, original, b, -0.5, want);
              again.multiply(transB, n, b, -0.5, c);
              expect(Array.from(c), `${m}×${n}×${k} transA=${transA} transB=${transB}`).toEqual(Array.from(want));
              again.release();
            }
            packed.release();
            expect(() => packed.multiply(false, 1, a, 0, a)).toThrow(/after release/);
          }
        }
      }
    });
  }

  it('uses resident right-hand sides and outputs in place, and checks lengths', () => {
    const ws = new KernelWorkspace();
    const [m, n, k] = [40, 8, 20];
    const a = ws.allocate('float64', m * k);
    const b = ws.allocate('float64', k * n);
    const c = ws.allocate('float64', m * n);
    new Rng(1).fillNormal(a);
    new Rng(2).fillNormal(b);
    const packed = PackedGemmOperand.pack(false, m, k, 1, a);
    packed.multiply(false, n, b, 0, c);
    const want = new Float64Array(m * n);
    gemm(false, false, m, n, k, 1, a, b, 0, want);
    expect(Array.from(c)).toEqual(Array.from(want));
    expect(() => packed.multiply(false, n, new Float64Array(3), 0, c)).toThrow(RangeError);
    expect(() => packed.multiply(false, n, b, 0, new Float64Array(3))).toThrow(RangeError);
    packed.release();
    ws.release();
  });
});
