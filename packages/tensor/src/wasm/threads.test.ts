import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemm, referenceGemm } from '../blas.js';
import { Rng } from '../rng.js';
import { GEMM_THREADS_MIN_WORK, startGemmThreads, stopGemmThreads, wasmGemm } from './engine.js';
import { randomArray as random } from '../../test/gemm-oracle.js';

/*
 * The threaded path splits C's rows between the caller and the workers; every row is computed by
 * the same code in the same order, so the result must be bit-identical to the single-threaded one.
 * Three threads (more than this machine's cores, on purpose) exercise uneven splits: m = 9 gives
 * blocks of 4, 4 and 1 rows, m = 203 of 68, 68 and 67, m = 6 only two blocks (4 and 2).
 */

// Read when the pool starts; each test file runs in its own process.
process.env.TDLAB_TENSOR_THREADS = '3';

let threads = 0;
beforeAll(async () => {
  threads = await startGemmThreads();
});
afterAll(async () => {
  await stopGemmThreads();
});

describe('threaded wasm gemm', () => {
  it('starts the requested threads', () => {
    expect(threads).toBe(3);
  });

  const shapes: [number, number, number][] = [
    [203, 190, 191],
    [9, 1000, 800],
    [1001, 90, 80],
    [6, 1100, 1100],
  ];
  for (const precision of ['float64', 'float32'] as const) {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`${precision} transA=${transA} transB=${transB}: bit-identical to one thread`, () => {
        const rng = new Rng(12).derive(`${precision} ${transA} ${transB}`);
        for (const [m, n, k] of shapes) {
          expect(m * n * k).toBeGreaterThanOrEqual(GEMM_THREADS_MIN_WORK);
          const a = random(rng, precision, m * k);
          const b = random(rng, precision, k * n);
          const c = random(rng, precision, m * n);
          const single = c.slice();
          const threaded = c.slice();
          wasmGemm(transA, transB, m, n, k, -0.5, a, b, 0.25, single, 'single');
          wasmGemm(transA, transB, m, n, k, -0.5, a, b, 0.25, threaded);
          expect(Array.from(threaded)).toEqual(Array.from(single));
        }
      });
    }
  }

  it('gemm on a large product agrees with the reference (beta = 0 over NaN)', () => {
    const rng = new Rng(13);
    const [m, n, k] = [150, 140, 130];
    const a = random(rng, 'float64', m * k);
    const b = random(rng, 'float64', k * n);
    const c = new Float64Array(m * n).fill(Number.NaN);
    const want = new Float64Array(m * n);
    gemm(false, false, m, n, k, 1, a, b, 0, c);
    referenceGemm(false, false, m, n, k, 1, a, b, 0, want);
    for (let i = 0; i < m * n; i++) expect(Math.abs(c[i] - want[i])).toBeLessThan(1e-12);
  });
});
