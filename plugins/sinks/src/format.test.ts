import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber } from './format.js';

describe('formatNumber', () => {
  it('gives 4 significant digits without trailing zeros', () => {
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(Math.PI)).toBe('3.142');
    expect(formatNumber(-2.71828)).toBe('-2.718');
    expect(formatNumber(185.4321)).toBe('185.4');
    expect(formatNumber(12_345)).toBe('12350');
    expect(formatNumber(0.001234)).toBe('0.001234');
  });

  it('switches to an exponent for large and small magnitudes', () => {
    expect(formatNumber(123_456)).toBe('1.235e5');
    expect(formatNumber(1e12)).toBe('1e12');
    expect(formatNumber(3.2e-11)).toBe('3.2e-11');
    expect(formatNumber(-0.000999)).toBe('-9.99e-4');
  });

  it('names zero and non-finite values plainly', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });
});

describe('formatDuration', () => {
  it('uses seconds below a minute, then minutes and hours', () => {
    expect(formatDuration(0.2468)).toBe('0.247 s');
    expect(formatDuration(42.13)).toBe('42.1 s');
    expect(formatDuration(187)).toBe('3m 07s');
    expect(formatDuration(3725)).toBe('1h 02m');
  });
});
