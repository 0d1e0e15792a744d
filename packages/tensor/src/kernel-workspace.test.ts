import { describe, expect, it } from 'vitest';
import { activationPass, gemmActivation, referenceActivationPass } from './activation.js';
import { gemm, referenceGemm } from './blas.js';
import { allocate, type Precision } from './float-array.js';
import { KernelWorkspace } from './kernel-workspace.js';
import { Rng } from './rng.js';
import { isResident, startGemmThreads } from './wasm/engine.js';

/*
 * Resident buffers are used in place by gemm and the activation passes: results must be the same,
 * bit for bit, as with ordinary arrays (which are copied in and out), for every mix of resident and
 * ordinary operands, both precisions, threaded products included.
 */

const PRECISIONS: Precision[] = ['float64', 'float32'];

describe('KernelWorkspace', () => {
  it('hands out zero-filled arrays that live in the kernels memory', () => {
    const ws = new KernelWorkspace();
    const a = ws.allocate('float64', 5);
    const b = ws.allocate('float32', 7);
    expect(a).toBeInstanceOf(Float64Array);
    expect(b).toBeInstanceOf(Float32Array);
    expect([a.length, b.length]).toEqual([5, 7]);
    expect(isResident(a) && isResident(b)).toBe(true);
    expect(isResident(new Float64Array(3))).toBe(false);
    a.fill(3);
    ws.release();
    // The memory is reused, and comes back zero-filled.
    const again = new KernelWorkspace();
    const c = again.allocate('float64', 5);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0]);
    again.release();
    expect(() => again.allocate('float64', 1)).toThrow(/after release/);
  });

  for (const precision of PRECISIONS) {
    it(`${precision}: gemm gives identical results for every mix of resident and ordinary operands`, async () => {
      await startGemmThreads();
      const rng = new Rng(3).derive(precision);
      // 260·200·160 ≥ 192³ is split across threads.
      for (const [m, n, k, transA, transB] of [
        [37, 29, 41, false, false],
        [37, 29, 41, true, true],
        [260, 200, 160, true, false],
        [260, 200, 160, false, true],
      ] as const) {
        const ws = new KernelWorkspace();
        const a = allocate(precision, m * k);
        const b = allocate(precision, k * n);
        const c0 = allocate(precision, m * n);
        rng.fillNormal(a);
        rng.fillNormal(b);
        rng.fillNormal(c0);
        const want = allocate(precision, m * n);
        want.set(c0);
        gemm(transA, transB, m, n, k, 0.5, a, b, 1.5, want);
        for (let mask = 1; mask < 8; mask++) {
          const put = (bit: number, array: typeof a) => {
            if (!(mask & bit)) return array;
            const resident = ws.allocate(precision, array.length);
            resident.set(array);
            return resident;
          };
          const ra = put(1, a);
          const rb = put(2, b);
          const out = mask & 4 ? ws.allocate(precision, m * n) : allocate(precision, m * n);
          out.set(c0);
          gemm(transA, transB, m, n, k, 0.5, ra, rb, 1.5, out);
          expect(Array.from(out), `mask ${mask} ${m}×${n}×${k}`).toEqual(Array.from(want));
        }
        ws.release();
      }
    });

    it(`${precision}: gemmActivation and activationPass on resident buffers match the reference`, () => {
      const rng = new Rng(4).derive(precision);
      const [m, n, k] = [33, 70, 21];
      const ws = new KernelWorkspace();
      const a = ws.allocate(precision, m * k);
      const b = ws.allocate(precision, k * n);
      rng.fillNormal(a);
      rng.fillNormal(b);
      const z = ws.allocate(precision, m * n);
      const slope = ws.allocate(precision, m * n);
      gemmActivation(false, false, m, n, k, 1, a, b, z, slope, 'leaky-relu', 0.1);
      const wantZ = allocate(precision, m * n);
      const wantSlope = allocate(precision, m * n);
      gemm(false, false, m, n, k, 1, a, b, 0, wantZ);
      referenceActivationPass('leaky-relu', 0.1, wantZ, wantSlope, m * n);
      expect(Array.from(z)).toEqual(Array.from(wantZ));
      expect(Array.from(slope)).toEqual(Array.from(wantSlope));
      rng.fillNormal(z);
      const copy = allocate(precision, m * n);
      copy.set(z);
      activationPass('relu', 0, z, slope, m * n);
      referenceActivationPass('relu', 0, copy, wantSlope, m * n);
      expect(Array.from(z)).toEqual(Array.from(copy));
      expect(Array.from(slope)).toEqual(Array.from(wantSlope));
      ws.release();
    });
  }

  it('float32 resident operands in a float64 product are converted, not reinterpreted', () => {
    const ws = new KernelWorkspace();
    const a = ws.allocate('float32', 40 * 30);
    const b = new Float64Array(30 * 20);
    new Rng(5).fillNormal(a);
    new Rng(6).fillNormal(b);
    const c = new Float64Array(40 * 20);
    const want = new Float64Array(40 * 20);
    gemm(false, false, 40, 20, 30, 1, a, b, 0, c);
    referenceGemm(false, false, 40, 20, 30, 1, Float64Array.from(a), b, 0, want);
    for (let i = 0; i < want.length; i++) expect(Math.abs(c[i] - want[i])).toBeLessThan(1e-12 * (1 + Math.abs(want[i])));
    ws.release();
  });
});
