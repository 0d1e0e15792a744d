import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_WASM_MIN_COUNT,
  activationPass,
  gemmActivation,
  type PiecewiseLinearActivation,
  referenceActivationPass,
} from './activation.js';
import { gemm, referenceGemm } from './blas.js';
import { allocate, type FloatArray, type Precision } from './float-array.js';
import { Rng } from './rng.js';
import { startGemmThreads, wasmGemm, wasmGemmActivation, wasmGemmMask, wasmKernelsAvailable } from './wasm/engine.js';

const KINDS: PiecewiseLinearActivation[] = ['relu', 'leaky-relu', 'linear'];
const PRECISIONS: Precision[] = ['float64', 'float32'];
const LEAK = 0.01;

function random(precision: Precision, length: number, seed: string): FloatArray {
  const array = allocate(precision, length);
  new Rng(11).derive(seed).fillNormal(array);
  return array;
}

/** Pre-activations with the awkward values: ±0, NaN, ±Infinity, tiny and huge. */
function specials(precision: Precision, length: number): FloatArray {
  const z = random(precision, length, 'z');
  const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-300, -1e-300, 1e-40, -3.4e38, 3.4e38];
  for (let i = 0; i < special.length && i * 7 < length; i++) z[i * 7] = special[i];
  return z;
}

function expectSameBits(got: FloatArray, want: FloatArray): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) expect([i, got[i]]).toEqual([i, want[i]]);
  }
}

describe('activationPass', () => {
  it('reference: relu, leaky relu and linear values and slopes', () => {
    const z = Float64Array.of(-2, -0, 0, 3, Number.NaN);
    const s = new Float64Array(5);
    referenceActivationPass('relu', LEAK, z, s, 5);
    expect(Array.from(z)).toEqual([-0, -0, 0, 3, Number.NaN]);
    expect(Array.from(s)).toEqual([0, 0, 0, 1, 0]);
    const y = Float64Array.of(-2, 0, 3);
    referenceActivationPass('leaky-relu', LEAK, y, s, 3);
    expect(Array.from(y)).toEqual([-0.02, 0, 3]);
    expect(Array.from(s.subarray(0, 3))).toEqual([LEAK, LEAK, 1]);
    const w = Float64Array.of(-2, 5);
    referenceActivationPass('linear', LEAK, w, s, 2);
    expect(Array.from(w)).toEqual([-2, 5]);
    expect(Array.from(s.subarray(0, 2))).toEqual([1, 1]);
  });

  for (const precision of PRECISIONS) {
    for (const kind of KINDS) {
      for (const count of [ACTIVATION_WASM_MIN_COUNT, ACTIVATION_WASM_MIN_COUNT + 3, 5001]) {
        it(`WASM matches the reference bit for bit: ${kind} ${precision} ${count}`, () => {
          expect(wasmKernelsAvailable()).toBe(true);
          const z0 = specials(precision, count + 2);
          const z1 = allocate(precision, count + 2);
          z1.set(z0);
          const s0 = allocate(precision, count + 2).fill(7);
          const s1 = allocate(precision, count + 2).fill(7);
          referenceActivationPass(kind, LEAK, z0, s0, count);
          activationPass(kind, LEAK, z1, s1, count);
          expectSameBits(z1, z0);
          expectSameBits(s1, s0);
        });
      }
    }
  }

  it('rejects short buffers', () => {
    expect(() => activationPass('relu', 0, new Float64Array(3), new Float64Array(4), 4)).toThrow(RangeError);
    expect(() => activationPass('relu', 0, new Float64Array(4), new Float64Array(3), 4)).toThrow(RangeError);
  });
});

describe('gemmActivation', () => {
  const SHAPES: [number, number, number][] = [
    [3, 5, 2],
    [13, 11, 7],
    [97, 33, 20],
    [260, 300, 200], // threaded (≥ 192³)
  ];
  const TYPES: [Precision, Precision][] = [
    ['float64', 'float64'],
    ['float32', 'float32'],
    ['float32', 'float64'], // float32 operands, float64 output: fused in float64
    ['float64', 'float32'], // float64 product into float32 outputs: gemm, then the pass
  ];
  for (const [m, n, k] of SHAPES) {
    for (const [inputs, output] of TYPES) {
      for (const kind of KINDS) {
        for (const transA of [false, true]) {
          it(`equals gemm then the reference pass: ${m}×${n}×${k} ${inputs}→${output} ${kind} transA=${transA}`, async () => {
            if (m * n * k >= 192 ** 3) await startGemmThreads();
            const a = random(inputs, m * k, 'a');
            const b = random(inputs, k * n, 'b');
            const want = allocate(output, m * n);
            const wantSlope = allocate(output, m * n);
            gemm(transA, true, m, n, k, 0.5, a, b, 0, want);
            referenceActivationPass(kind, LEAK, want, wantSlope, m * n);
            const got = allocate(output, m * n).fill(Number.NaN);
            const gotSlope = allocate(output, m * n).fill(Number.NaN);
            gemmActivation(transA, true, m, n, k, 0.5, a, b, got, gotSlope, kind, LEAK);
            expectSameBits(got, want);
            expectSameBits(gotSlope, wantSlope);
          });
        }
      }
    }
  }

  it('single-threaded and threaded fused results are bit-identical', async () => {
    await startGemmThreads();
    const [m, n, k] = [300, 256, 192];
    for (const precision of PRECISIONS) {
      const a = random(precision, m * k, 'a');
      const b = random(precision, k * n, 'b');
      const z1 = allocate(precision, m * n);
      const s1 = allocate(precision, m * n);
      const z2 = allocate(precision, m * n);
      const s2 = allocate(precision, m * n);
      wasmGemmActivation(false, false, m, n, k, 1, a, b, z1, s1, 0, LEAK, 'single');
      wasmGemmActivation(false, false, m, n, k, 1, a, b, z2, s2, 0, LEAK, 'auto');
      expectSameBits(z2, z1);
      expectSameBits(s2, s1);
      // and the values are the product's, to rounding
      const ref = allocate(precision, m * n);
      referenceGemm(false, false, m, n, k, 1, a, b, 0, ref);
      for (let i = 0; i < m * n; i += 97) expect(z1[i]).toBeCloseTo(ref[i] > 0 ? ref[i] : ref[i] * LEAK, 2);
    }
  });

  // The kernels' epilogues (against the plain WASM gemm, then the pass) with beta ≠ 0 (added onto C before σ), over several depth blocks
  // (KC = 256) and shallow products, and the mask epilogue C ← (…) ⊙ S of a backward step.
  for (const precision of PRECISIONS) {
    for (const [m, n, k] of [[13, 11, 5], [97, 33, 300], [260, 300, 200], [7, 9, 600]] as [number, number, number][]) {
      for (const beta of [0, 1, -0.5]) {
        it(`kernel epilogues equal gemm then the pass: ${precision} ${m}×${n}×${k} beta=${beta}`, async () => {
          if (m * n * k >= 192 ** 3) await startGemmThreads();
          const a = random(precision, m * k, 'a');
          const b = random(precision, k * n, 'b');
          const c0 = random(precision, m * n, 'c');
          for (const [kind, code] of [['leaky-relu', 0], ['linear', 1]] as [PiecewiseLinearActivation, number][]) {
            const want = c0.slice();
            const wantSlope = allocate(precision, m * n);
            wasmGemm(false, true, m, n, k, 0.5, a, b, beta, want);
            referenceActivationPass(kind, LEAK, want, wantSlope, m * n);
            const got = c0.slice();
            const gotSlope = allocate(precision, m * n).fill(Number.NaN);
            wasmGemmActivation(false, true, m, n, k, 0.5, a, b, got, gotSlope, code, code === 0 ? LEAK : 0, 'auto', beta);
            expectSameBits(got, want);
            expectSameBits(gotSlope, wantSlope);
          }
          const mask = random(precision, m * n, 'mask');
          for (let i = 0; i < mask.length; i += 3) mask[i] = 0;
          const want = c0.slice();
          wasmGemm(true, false, m, n, k, 0.5, a, b, beta, want);
          for (let i = 0; i < want.length; i++) want[i] *= mask[i];
          const got = c0.slice();
          wasmGemmMask(true, false, m, n, k, 0.5, a, b, beta, got, mask);
          expectSameBits(got, want);
        });
      }
    }
  }

  it('checks shapes', () => {
    expect(() =>
      gemmActivation(false, false, 2, 2, 2, 1, new Float64Array(4), new Float64Array(4), new Float64Array(4), new Float64Array(3), 'relu', 0),
    ).toThrow(RangeError);
  });
});
