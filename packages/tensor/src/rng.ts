import type { FloatArray } from './float-array.js';

/*
 * Seeded randomness for experiments that must replay bit for bit: the same seed gives the same
 * initialisation, data order and probe vectors on every run and machine (within one JS engine;
 * normal() uses Math.log/Math.sqrt, which V8 computes identically on every platform).
 *
 * The core is xoshiro128** (Blackman & Vigna): 128 bits of state, 32-bit output, built from
 * Math.imul, shifts and xors so it stays in V8's int32 fast paths with no BigInt anywhere.
 */

const GOLDEN_GAMMA = 0x9e3779b9;
const TWO_POW_26 = 2 ** 26;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;
const TWO_POW_MINUS_53 = 2 ** -53;

/** splitmix32's output function (murmur3's finaliser): a bijection on uint32 with full avalanche. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const utf8 = new TextEncoder();

/**
 * FNV-1a, 64-bit, over the label's UTF-8 bytes, as [high, low] uint32 halves. 64 bits rather
 * than 32 so that two labels sharing a stream is not a realistic risk. The prime is 2^40 + 0x1b3,
 * so h·prime = h·0x1b3 + (h << 40), computed here on the halves with exact double arithmetic.
 */
function fnv1a64(label: string): [number, number] {
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  for (const byte of utf8.encode(label)) {
    low = (low ^ byte) >>> 0;
    const lowProduct = low * 0x1b3; // < 2^41, exact
    const carry = Math.floor(lowProduct / TWO_POW_32);
    high = (Math.imul(high, 0x1b3) + carry + (low << 8)) >>> 0;
    low = lowProduct >>> 0;
  }
  return [high, low];
}

export class Rng {
  // xoshiro128** state, kept as int32 fields rather than a Uint32Array for speed.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  // The 64-bit key the state was expanded from; derive() hashes it, never the moving state, so
  // deriving is independent of how far this generator has advanced.
  private keyHigh = 0;
  private keyLow = 0;
  // Marsaglia's polar method yields deviates in pairs; the second is kept for the next call.
  private spare = 0;
  private hasSpare = false;

  /** seed: any safe integer (|seed| < 2^53); distinct seeds give distinct states. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
    }
    // ToUint32 of each half; for |seed| < 2^53 the pair (high, low) is unique per seed.
    this.setKey(Math.floor(seed / TWO_POW_32) >>> 0, seed >>> 0);
  }

  /**
   * An independent stream derived from this generator's seed and a label (hash the label, e.g.
   * FNV-1a, mix with the seed). Deriving does not advance this generator, so adding a new stream
   * never shifts another one's numbers.
   */
  derive(label: string): Rng {
    const [hashHigh, hashLow] = fnv1a64(label);
    let high = this.keyHigh ^ hashHigh;
    let low = this.keyLow ^ hashLow;
    // Three Feistel rounds: a bijection on the 64-bit key that breaks the xor's linearity,
    // which would otherwise make derive(a).derive(a) return the parent's own key and
    // derive(a).derive(b) equal derive(b).derive(a).
    low ^= mix32(high + GOLDEN_GAMMA);
    high ^= mix32(low + 2 * GOLDEN_GAMMA);
    low ^= mix32(high + 3 * GOLDEN_GAMMA);
    const child = new Rng(0);
    child.setKey(high >>> 0, low >>> 0);
    return child;
  }

  /**
   * Expands the 64-bit key into xoshiro state splitmix32-style (Weyl increments, then mix32),
   * chaining each word into the next. s0 is a bijection of the low half and, for a fixed s0, s1
   * is a bijection of the high half, so distinct keys give distinct states; s2 = 0 would need
   * s1 ^ low = -3γ while s0 = s1 = 0 forces low = -γ, so the state is never all zero.
   */
  private setKey(high: number, low: number): void {
    this.keyHigh = high;
    this.keyLow = low;
    this.s0 = mix32(low + GOLDEN_GAMMA) | 0;
    this.s1 = mix32((this.s0 ^ high) + 2 * GOLDEN_GAMMA) | 0;
    this.s2 = mix32((this.s1 ^ low) + 3 * GOLDEN_GAMMA) | 0;
    this.s3 = mix32((this.s2 ^ high) + 4 * GOLDEN_GAMMA) | 0;
    this.hasSpare = false;
    this.spare = 0;
  }

  /** The next xoshiro128** output, an integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = rotl(s3, 11);
    return result;
  }

  /** uniform in [0, 1) with 53 random bits */
  uniform(): number {
    // The top 27 bits of one draw and the top 26 of the next: every double k·2^-53 is reachable.
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * TWO_POW_26 + low) * TWO_POW_MINUS_53;
  }

  /** standard normal (Box–Muller or Marsaglia polar, caching the spare deviate) */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    // Marsaglia polar: no trigonometry, whose results vary more across engines than log/sqrt.
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * factor;
    this.hasSpare = true;
    return u * factor;
  }

  /** ±1 with probability ½ each */
  rademacher(): number {
    return this.nextUint32() >= 0x80000000 ? 1 : -1;
  }

  /** integer in [0, n) without modulo bias; n is a positive safe integer */
  integer(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`Rng.integer: n must be a positive safe integer, got ${n}`);
    }
    if (n <= TWO_POW_32) {
      // Reject the top (2^32 mod n) values so every residue has the same number of preimages.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return x % n;
    }
    // Same rejection on 53-bit draws for n beyond 2^32.
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    let x = this.uniform() * TWO_POW_53;
    while (x >= limit) x = this.uniform() * TWO_POW_53;
    return x % n;
  }

  /**
   * out[i] = mean + std·N(0,1): the same deviates as out.length calls to normal(), computed in
   * float64, so a Float32 and a Float64 run from one seed start from the same (rounded) values.
   */
  fillNormal(out: FloatArray, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
  }

  /**
   * out[i] uniform in [low, high), from the same draws as uniform(). Rounding to float32 (or
   * low + (high - low)·u itself) can land exactly on high for the largest draws.
   */
  fillUniform(out: FloatArray, low = 0, high = 1): void {
    const width = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + width * this.uniform();
  }

  /**
   * out[i] = ±1. Uses all 32 bits of each draw (Hutchinson probes over ~1e6 parameters are a hot
   * path), so it consumes the stream differently from repeated rademacher() calls.
   */
  fillRademacher(out: FloatArray): void {
    const length = out.length;
    let i = 0;
    while (i < length) {
      let bits = this.nextUint32();
      const end = Math.min(i + 32, length);
      for (; i < end; i++) {
        out[i] = (bits & 1) === 1 ? 1 : -1;
        bits >>>= 1;
      }
    }
  }

  /** in-place Fisher–Yates */
  shuffle(indices: Int32Array): void {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const held = indices[i];
      indices[i] = indices[j];
      indices[j] = held;
    }
  }
}
