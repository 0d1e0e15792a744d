import { describe, expect, it } from 'vitest';
import { allocate } from './float-array.js';

describe('allocate', () => {
  it('returns a zero-filled array of the requested precision', () => {
    const f64 = allocate('float64', 5);
    const f32 = allocate('float32', 3);
    expect(f64).toBeInstanceOf(Float64Array);
    expect(f32).toBeInstanceOf(Float32Array);
    expect(Array.from(f64)).toEqual([0, 0, 0, 0, 0]);
    expect(f32.length).toBe(3);
    expect(allocate('float64', 0).length).toBe(0);
  });

  it('rejects bad lengths and unknown precisions', () => {
    expect(() => allocate('float64', -1)).toThrow(RangeError);
    expect(() => allocate('float64', 1.5)).toThrow(RangeError);
    expect(() => allocate('float16' as unknown as 'float64', 2)).toThrow(RangeError);
  });
});
