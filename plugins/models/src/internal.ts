import type { Inputs } from '@tdlab/core';
import { allocate, type FloatArray, type KernelWorkspace, type Precision } from '@tdlab/tensor';

/**
 * A fixed number of n×width scratch matrices that grow (never shrink) to the largest batch seen,
 * so repeated calls on the same batch size allocate nothing.
 */
export class BatchScratch {
  private capacity = 0;
  private readonly buffers: FloatArray[] = [];

  constructor(
    private readonly precision: Precision,
    private readonly width: number,
    private readonly count: number,
    /** Where the matrices live: a model's KernelWorkspace keeps them in the gemm kernels' memory. */
    private readonly workspace?: KernelWorkspace,
  ) {}

  /** The scratch matrices, each holding at least n·width elements. */
  ensure(n: number): readonly FloatArray[] {
    if (n > this.capacity || this.buffers.length === 0) {
      for (const buffer of this.buffers) this.workspace?.free(buffer);
      this.buffers.length = 0;
      for (let i = 0; i < this.count; i++) {
        this.buffers.push(this.workspace ? this.workspace.allocate(this.precision, n * this.width) : allocate(this.precision, n * this.width));
      }
      this.capacity = n;
    }
    return this.buffers;
  }
}

/**
 * O(1) shape checks shared by the models: a typed-array read past the end yields undefined, which
 * would silently turn into NaN, so a wrong length is reported instead.
 */
export function checkInputs(model: string, inputDim: number, inputs: Inputs): void {
  const { n, x } = inputs;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${model}: inputs.n must be a non-negative integer, got ${n}`);
  if (x.length < n * inputDim) {
    throw new RangeError(`${model}: inputs.x has length ${x.length}, needs n·inputDim = ${n}·${inputDim} = ${n * inputDim}`);
  }
}

export function checkLength(model: string, name: string, array: FloatArray, required: number): void {
  if (array.length < required) {
    throw new RangeError(`${model}: ${name} has length ${array.length}, needs at least ${required}`);
  }
}

/**
 * target[0, length) ← source[0, length): one memcpy when the source is exactly that long and of the
 * same type, else an element loop (without the view a subarray would allocate).
 */
export function copyInto(source: FloatArray, target: FloatArray, length: number): void {
  if (source.length === length && target.length >= length && source instanceof Float64Array === target instanceof Float64Array) {
    target.set(source);
    return;
  }
  for (let i = 0; i < length; i++) target[i] = source[i];
}

/** out_k = scale · a_k·b_k for the k-th rows (length d) of two n×d row-major matrices. */
export function rowDots(a: FloatArray, b: FloatArray, n: number, d: number, scale: number, out: FloatArray): void {
  for (let k = 0; k < n; k++) {
    const row = k * d;
    let sum = 0;
    for (let j = 0; j < d; j++) sum += a[row + j] * b[row + j];
    out[k] = scale * sum;
  }
}
