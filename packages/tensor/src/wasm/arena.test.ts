import { describe, expect, it } from 'vitest';
import { Arena } from './arena.js';

describe('Arena', () => {
  const make = () => {
    const grown: number[] = [];
    const arena = new Arena(100, 64, (bytes) => grown.push(bytes));
    return { arena, grown };
  };

  it('aligns the start and every size, and grows the memory to the top', () => {
    const { arena, grown } = make();
    const a = arena.allocate(1);
    const b = arena.allocate(65);
    expect(a).toBe(128);
    expect(b).toBe(192);
    expect(arena.end).toBe(320);
    expect(grown).toEqual([192, 320]);
  });

  it('reuses freed ranges first-fit and merges neighbours', () => {
    const { arena } = make();
    const a = arena.allocate(64);
    const b = arena.allocate(64);
    const c = arena.allocate(64);
    arena.allocate(64); // keeps c's range from touching the top
    arena.release(a);
    arena.release(c);
    // Neither hole holds 128 bytes until b is freed and the three merge.
    expect(arena.allocate(128)).toBe(arena.end - 128);
    arena.release(b);
    expect(arena.allocate(192)).toBe(a);
  });

  it('extends a free range that ends at the top instead of leaving it behind', () => {
    const { arena } = make();
    arena.allocate(64);
    const b = arena.allocate(64);
    arena.release(b);
    expect(arena.allocate(256)).toBe(b);
    expect(arena.end).toBe(b + 256);
  });

  it('rejects freeing twice or an unknown offset', () => {
    const { arena } = make();
    const a = arena.allocate(10);
    arena.release(a);
    expect(() => arena.release(a)).toThrow(/no live allocation/);
    expect(() => arena.release(5)).toThrow(/no live allocation/);
    expect(arena.liveCount).toBe(0);
  });
});
