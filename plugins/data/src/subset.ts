import type { Rng } from '@tdlab/tensor';

/**
 * k distinct entries of `pool`, chosen uniformly at random without replacement, in random order:
 * the first k positions of a Fisher–Yates shuffle of a copy of the pool, stopped after k swaps.
 * Draw order: for i = 0 … k−1, one `rng.integer(pool.length − i)`. The pool itself is not changed.
 */
export function sampleWithoutReplacement(rng: Rng, pool: ArrayLike<number>, k: number): Int32Array {
  const count = pool.length;
  if (!(Number.isInteger(k) && k >= 0 && k <= count)) {
    throw new RangeError(`sampleWithoutReplacement: cannot draw ${k} of ${count} entries`);
  }
  const work = Int32Array.from(pool);
  for (let i = 0; i < k; i++) {
    const j = i + rng.integer(count - i);
    const held = work[i];
    work[i] = work[j];
    work[j] = held;
  }
  return work.slice(0, k);
}

/** 0, 1, …, count − 1. */
export function range(count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = i;
  return out;
}
