import type { Inputs } from '@tdlab/core';
import { allocate, type FloatArray, type Precision } from '@tdlab/tensor';

/** Throws a RangeError naming the model and the argument when a buffer is too short (a short read would silently give NaN). */
export function checkLength(owner: string, name: string, array: FloatArray, required: number): void {
  if (array.length < required) throw new RangeError(`${owner}: ${name} has length ${array.length}, needs at least ${required}`);
}

export function checkInputs(owner: string, inputDim: number, inputs: Inputs): void {
  const { n, x } = inputs;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${owner}: inputs.n must be a non-negative integer, got ${n}`);
  if (x.length < n * inputDim) {
    throw new RangeError(`${owner}: inputs.x has length ${x.length}, needs n·inputDim = ${n}·${inputDim} = ${n * inputDim}`);
  }
}

export function checkPositiveInteger(owner: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${owner}: ${name} must be a positive integer, got ${value}`);
}

interface Slot {
  /** A float64 copy of the rows the value was computed from (the cache key: values, never identity). */
  key: Float64Array;
  value: FloatArray;
  /** Rows the buffers can hold. */
  capacity: number;
  /** Rows held, −1 when empty. */
  n: number;
  used: number;
}

/**
 * An n×width matrix derived from a batch of input rows (features φ(X), slopes σ'(XWᵀ)), kept for
 * the last two batches seen: the trainer alternates forward and vjp on the training set, and probes
 * interleave the held-out set. The key is the rows' values, compared in O(n·d), never the array's
 * identity (a minibatch buffer is refilled in place). Buffers grow to the largest batch and are
 * reused, so a steady run allocates nothing.
 */
export class DerivedRows {
  private readonly slots: Slot[] = [];
  private clock = 0;

  constructor(
    private readonly precision: Precision,
    private readonly inputDim: number,
    private readonly width: number,
    private readonly compute: (x: FloatArray, n: number, out: FloatArray) => void,
    private readonly count = 2,
  ) {}

  get(inputs: Inputs): FloatArray {
    const { x, n } = inputs;
    const length = n * this.inputDim;
    for (const slot of this.slots) {
      if (slot.n === n && sameValues(slot.key, x, length)) {
        slot.used = ++this.clock;
        return slot.value;
      }
    }
    let slot: Slot;
    if (this.slots.length < this.count) {
      slot = { key: new Float64Array(0), value: allocate(this.precision, 0), capacity: 0, n: -1, used: 0 };
      this.slots.push(slot);
    } else {
      slot = this.slots.reduce((oldest, candidate) => (candidate.used < oldest.used ? candidate : oldest));
    }
    if (slot.capacity < n) {
      slot.key = new Float64Array(n * this.inputDim);
      slot.value = allocate(this.precision, n * this.width);
      slot.capacity = n;
    }
    slot.n = -1;
    this.compute(x, n, slot.value);
    for (let i = 0; i < length; i++) slot.key[i] = x[i];
    slot.n = n;
    slot.used = ++this.clock;
    return slot.value;
  }
}

function sameValues(key: Float64Array, x: FloatArray, length: number): boolean {
  for (let i = 0; i < length; i++) if (key[i] !== x[i]) return false;
  return true;
}

/** A scratch buffer of rows·width elements that grows (never shrinks) to the largest batch. */
export class GrowingBuffer {
  private buffer: FloatArray;

  constructor(
    private readonly precision: Precision,
    private readonly width: number,
  ) {
    this.buffer = allocate(precision, 0);
  }

  ensure(rows: number): FloatArray {
    if (this.buffer.length < rows * this.width) this.buffer = allocate(this.precision, rows * this.width);
    return this.buffer;
  }
}
