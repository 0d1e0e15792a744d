import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const N = 100_000;

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe('Rng', () => {
  it('produces the pinned golden outputs (catches any change to seeding or xoshiro128**)', () => {
    // The xoshiro128** step itself was checked against the reference C implementation
    // (state 1,2,3,4 → 11520, 0, 5927040, 70819200, 2031721883, 1637235492).
    expect(draws(new Rng(0), 5)).toEqual([4187458251, 3173714073, 1507648173, 410759988, 231792405]);
    expect(draws(new Rng(42).derive('init'), 3)).toEqual([1368694216, 2584968877, 2573399183]);
    const rng = new Rng(0);
    expect(rng.uniform()).toBe(0.9749686027984164);
    expect(rng.normal()).toBe(-0.15691867837279014);
    expect(rng.normal()).toBe(-0.4698203637578022);
  });

  it('replays the same seed bit for bit', () => {
    const sequence = (seed: number) => {
      const rng = new Rng(seed);
      const normals = new Float64Array(1000);
      const uniforms = new Float32Array(1000);
      rng.fillNormal(normals, 0.5, 2);
      rng.fillUniform(uniforms, -1, 1);
      return { ints: draws(rng, 1000), normals, uniforms, integer: rng.integer(1000) };
    };
    expect(sequence(123)).toEqual(sequence(123));
    expect(sequence(-5)).toEqual(sequence(-5));
    expect(draws(new Rng(123), 10)).not.toEqual(draws(new Rng(124), 10));
  });

  it('accepts every safe integer seed and gives distinct streams for nearby and distant seeds', () => {
    const seeds = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const firsts = seeds.map((seed) => draws(new Rng(seed), 2).join(','));
    expect(new Set(firsts).size).toBe(seeds.length);
    expect(() => new Rng(0.5)).toThrow(RangeError);
    expect(() => new Rng(2 ** 53)).toThrow(RangeError);
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
  });

  it('derive() depends only on seed and label, not on call order or the parent position', () => {
    const first = new Rng(7);
    const a1 = first.derive('a');
    const b1 = first.derive('b');
    const second = new Rng(7);
    draws(second, 17);
    second.normal();
    const b2 = second.derive('b');
    const a2 = second.derive('a');
    expect(draws(a1, 20)).toEqual(draws(a2, 20));
    expect(draws(b1, 20)).toEqual(draws(b2, 20));
  });

  it('derive() does not advance the parent', () => {
    const parent = new Rng(9);
    parent.derive('x');
    parent.derive('y').derive('z');
    expect(draws(parent, 10)).toEqual(draws(new Rng(9), 10));
  });

  it('derived streams differ from each other, from the parent and by nesting order', () => {
    const root = new Rng(3);
    const streams = [
      root,
      root.derive('a'),
      root.derive('b'),
      root.derive(''),
      root.derive('a').derive('a'),
      root.derive('a').derive('b'),
      root.derive('b').derive('a'),
      new Rng(4).derive('a'),
    ].map((rng) => draws(rng, 4).join(','));
    expect(new Set(streams).size).toBe(streams.length);
  });

  it('uniform() lies in [0, 1) with mean ½', () => {
    const rng = new Rng(11);
    let min = 1;
    let max = 0;
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const u = rng.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard error of the mean of U(0,1) is √(1/12/N).
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
  });

  it('fillUniform scales to [low, high)', () => {
    const out = new Float64Array(10_000);
    new Rng(12).fillUniform(out, -3, 5);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...out)).toBeLessThan(5);
  });

  it('normal() has mean 0 and variance 1 within 4 standard errors over 1e5 draws', () => {
    const rng = new Rng(13);
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < N; i++) {
      const z = rng.normal();
      sum += z;
      sumSquares += z * z;
    }
    const mean = sum / N;
    const variance = sumSquares / N - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(N));
    // For a normal sample the variance estimate has standard error √(2/N).
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
  });

  it('fillNormal gives the same deviates as normal(), shifted and scaled', () => {
    const out = new Float64Array(101);
    new Rng(14).fillNormal(out, 2, 3);
    const rng = new Rng(14);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(2 + 3 * rng.normal());
  });

  it('rademacher() and fillRademacher are ±1 and balanced', () => {
    const rng = new Rng(15);
    let plus = 0;
    let minus = 0;
    for (let i = 0; i < N; i++) {
      const r = rng.rademacher();
      if (r === 1) plus++;
      if (r === -1) minus++;
    }
    expect(plus + minus).toBe(N);
    // Binomial(N, ½) has standard deviation √N / 2.
    expect(Math.abs(plus - N / 2)).toBeLessThan(4 * (Math.sqrt(N) / 2));

    // A length that is not a multiple of 32 exercises the partial last word.
    const out = new Float32Array(N + 7);
    rng.fillRademacher(out);
    let total = 0;
    let signs = 0;
    for (const v of out) {
      if (v === 1 || v === -1) signs++;
      total += v;
    }
    expect(signs).toBe(out.length);
    // The sum of M independent ±1 has standard deviation √M.
    expect(Math.abs(total)).toBeLessThan(4 * Math.sqrt(out.length));
  });

  it('integer(n) covers [0, n) evenly', () => {
    const rng = new Rng(16);
    const n = 7;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < N; i++) counts[rng.integer(n)]++;
    // An out-of-range or fractional result would have added a stray key or NaN.
    expect(counts.length).toBe(n);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(N);
    const p = 1 / n;
    for (const count of counts) expect(Math.abs(count - N * p)).toBeLessThan(4 * Math.sqrt(N * p * (1 - p)));
    expect(rng.integer(1)).toBe(0);
  });

  it('integer(n) has no modulo bias where plain modulo would have a large one', () => {
    // n = 3·2^30: 2^32 mod n = 2^30, so x % n would land in [0, 2^30) with probability ½ instead of ⅓.
    const rng = new Rng(17);
    const n = 3 * 2 ** 30;
    let low = 0;
    for (let i = 0; i < N; i++) if (rng.integer(n) < 2 ** 30) low++;
    const p = 1 / 3;
    expect(Math.abs(low - N * p)).toBeLessThan(4 * Math.sqrt(N * p * (1 - p)));
  });

  it('integer(n) handles n beyond 2^32 and rejects invalid n', () => {
    const rng = new Rng(18);
    const n = 2 ** 40 + 3;
    let sum = 0;
    for (let i = 0; i < 1000; i++) {
      const x = rng.integer(n);
      expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
      sum += x;
    }
    expect(sum / 1000 / n).toBeGreaterThan(0.4);
    expect(sum / 1000 / n).toBeLessThan(0.6);
    expect(() => rng.integer(0)).toThrow(RangeError);
    expect(() => rng.integer(2.5)).toThrow(RangeError);
  });

  it('shuffle() is a reproducible permutation', () => {
    const make = () => Int32Array.from({ length: 100 }, (_, i) => i);
    const once = make();
    new Rng(19).shuffle(once);
    const again = make();
    new Rng(19).shuffle(again);
    expect(once).toEqual(again);
    expect(Array.from(once).sort((x, y) => x - y)).toEqual(Array.from(make()));
    expect(once).not.toEqual(make());
    const single = Int32Array.from([5]);
    new Rng(19).shuffle(single);
    expect(Array.from(single)).toEqual([5]);
  });

  it('shuffle() puts every element in every position about equally often', () => {
    const rng = new Rng(20);
    const size = 4;
    const trials = 24_000;
    const counts = new Array<number>(size * size).fill(0);
    const indices = new Int32Array(size);
    for (let t = 0; t < trials; t++) {
      for (let i = 0; i < size; i++) indices[i] = i;
      rng.shuffle(indices);
      for (let position = 0; position < size; position++) counts[indices[position] * size + position]++;
    }
    const p = 1 / size;
    for (const count of counts) expect(Math.abs(count - trials * p)).toBeLessThan(4 * Math.sqrt(trials * p * (1 - p)));
  });
});
