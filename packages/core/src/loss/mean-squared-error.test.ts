import { describe, expect, it } from 'vitest';
import { MeanSquaredError } from './mean-squared-error.js';

const f = new Float64Array([1, -2, 0.5]);
const y = new Float64Array([0, 1, 0.5]);

describe('MeanSquaredError (papers.md §0 conventions)', () => {
  it.each([
    ['sum', true, 0.5 * 10, 1, '½·Σ(f−y)²'],
    ['sum', false, 10, 2, 'Σ(f−y)²'],
    ['mean', true, (0.5 * 10) / 3, 1 / 3, '½·mean (f−y)²'],
    ['mean', false, 10 / 3, 2 / 3, 'mean (f−y)²'],
  ] as const)('%s, half=%s: value, curvature and convention', (reduction, half, value, curvature, convention) => {
    const loss = new MeanSquaredError(reduction, half);
    expect(loss.value(f, y, 3)).toBeCloseTo(value, 14);
    const out = new Float64Array(3);
    loss.curvature(f, y, 3, out);
    expect([...out]).toEqual([curvature, curvature, curvature]);
    expect(loss.convention).toBe(convention);
  });

  it('gradient matches central finite differences', () => {
    for (const [reduction, half] of [['sum', true], ['mean', false]] as const) {
      const loss = new MeanSquaredError(reduction, half);
      const grad = new Float64Array(3);
      loss.gradient(f, y, 3, grad);
      for (let i = 0; i < 3; i++) {
        const h = 1e-6;
        const plus = Float64Array.from(f);
        const minus = Float64Array.from(f);
        plus[i] += h;
        minus[i] -= h;
        expect(grad[i]).toBeCloseTo((loss.value(plus, y, 3) - loss.value(minus, y, 3)) / (2 * h), 8);
      }
    }
  });
});
