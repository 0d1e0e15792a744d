import { ArkErrors } from 'arktype';
import { describe, expect, it } from 'vitest';
import { CORE_API_VERSION } from '../plugin/core-api-version.js';
import { Tdlab } from '../run/tdlab.js';
import { CrossEntropy } from './cross-entropy.js';
import { crossEntropyContribution } from './cross-entropy-contribution.js';
import { Hinge } from './hinge.js';
import { hingeContribution } from './hinge-contribution.js';
import { LinearHinge } from './linear-hinge.js';
import { linearHingeContribution } from './linear-hinge-contribution.js';
import { Logistic } from './logistic.js';
import { logisticContribution } from './logistic-contribution.js';
import type { Loss } from './loss.js';

const gradientOf = (loss: Loss, f: Float64Array, y: Float64Array): Float64Array => {
  const out = new Float64Array(f.length);
  loss.gradient(f, y, f.length, out);
  return out;
};

const curvatureOf = (loss: Loss, f: Float64Array, y: Float64Array): Float64Array => {
  const out = new Float64Array(f.length);
  loss.curvature(f, y, f.length, out);
  return out;
};

/** Central differences of the value (for the gradient) and of the gradient (for the curvature). */
function expectDerivativesMatchFiniteDifferences(loss: Loss, f: Float64Array, y: Float64Array): void {
  const n = f.length;
  const step = 1e-6;
  const gradient = gradientOf(loss, f, y);
  const curvature = curvatureOf(loss, f, y);
  for (let i = 0; i < n; i++) {
    const plus = Float64Array.from(f);
    const minus = Float64Array.from(f);
    plus[i] += step;
    minus[i] -= step;
    expect(gradient[i]).toBeCloseTo((loss.value(plus, y, n) - loss.value(minus, y, n)) / (2 * step), 7);
    expect(curvature[i]).toBeCloseTo((gradientOf(loss, plus, y)[i] - gradientOf(loss, minus, y)[i]) / (2 * step), 7);
  }
}

// Margins y·f = 2, 0.5, −1, −0.25: one satisfied example, three violated (none on the kink y·f = 1).
const marginF = new Float64Array([2, 0.5, -1, 0.25]);
const marginY = new Float64Array([1, 1, 1, -1]);

describe('LinearHinge: (h − y·f)₊ on ±1 labels', () => {
  it('sums or averages the violations, and states the normalization', () => {
    // Gaps h − y·f = −1, 0.5, 2, 1.25.
    expect(new LinearHinge('sum', 1).value(marginF, marginY, 4)).toBe(3.75);
    expect(new LinearHinge('mean', 1).value(marginF, marginY, 4)).toBe(3.75 / 4);
    // With h = 2 the first example sits exactly on the kink and contributes nothing.
    expect(new LinearHinge('sum', 2).value(marginF, marginY, 4)).toBe(0 + 1.5 + 3 + 2.25);
    expect(new LinearHinge('sum', 1).convention).toBe('Σ(1−y·f)₊, y = ±1');
    expect(new LinearHinge('mean', 0.5).convention).toBe('mean (0.5−y·f)₊, y = ±1');
  });

  it('has gradient −y on violated examples and 0 on satisfied ones, and no curvature', () => {
    expect([...gradientOf(new LinearHinge('sum', 1), marginF, marginY)]).toEqual([0, -1, -1, 1]);
    expect([...gradientOf(new LinearHinge('mean', 1), marginF, marginY)]).toEqual([0, -0.25, -0.25, 0.25]);
    expect([...curvatureOf(new LinearHinge('sum', 1), marginF, marginY)]).toEqual([0, 0, 0, 0]);
  });

  it('counts an example on the kink y·f = h as satisfied (gradient 0)', () => {
    const g = gradientOf(new LinearHinge('sum', 2), marginF, marginY);
    expect(g[0]).toBe(0);
    expect([...g.subarray(1)]).toEqual([-1, -1, 1]);
  });

  it('matches finite differences away from the kink', () => {
    expectDerivativesMatchFiniteDifferences(new LinearHinge('sum', 1), marginF, marginY);
    expectDerivativesMatchFiniteDifferences(new LinearHinge('mean', 0.75), marginF, marginY);
  });
});

describe('Hinge: the squared hinge ½(h − y·f)₊² on ±1 labels', () => {
  it('sums or averages ½·gap², and states the normalization', () => {
    expect(new Hinge('sum', 1).value(marginF, marginY, 4)).toBe(0.5 * (0.25 + 4 + 1.5625));
    expect(new Hinge('mean', 1).value(marginF, marginY, 4)).toBe((0.5 * (0.25 + 4 + 1.5625)) / 4);
    expect(new Hinge('sum', 1).convention).toBe('½·Σ(1−y·f)₊², y = ±1');
    expect(new Hinge('mean', 2).convention).toBe('½·mean (2−y·f)₊², y = ±1');
  });

  it('has gradient −y·gap and curvature 1 on the violated examples only', () => {
    expect([...gradientOf(new Hinge('sum', 1), marginF, marginY)]).toEqual([0, -0.5, -2, 1.25]);
    expect([...curvatureOf(new Hinge('sum', 1), marginF, marginY)]).toEqual([0, 1, 1, 1]);
    expect([...curvatureOf(new Hinge('mean', 1), marginF, marginY)]).toEqual([0, 0.25, 0.25, 0.25]);
    // On the kink (h = 2, first example) both are 0: the satisfied side.
    expect(gradientOf(new Hinge('sum', 2), marginF, marginY)[0]).toBe(0);
    expect(curvatureOf(new Hinge('sum', 2), marginF, marginY)[0]).toBe(0);
  });

  it('matches finite differences away from the kink', () => {
    expectDerivativesMatchFiniteDifferences(new Hinge('sum', 1), marginF, marginY);
    expectDerivativesMatchFiniteDifferences(new Hinge('mean', 3), marginF, marginY);
  });
});

describe('Logistic: log(1 + e^(−y·f)) on ±1 labels', () => {
  it('is log 2 at f = 0 and log(4/3) at margin log 3', () => {
    const f = new Float64Array([0, Math.log(3), -Math.log(3)]);
    const y = new Float64Array([1, 1, -1]);
    expect(new Logistic('sum').value(f, y, 3)).toBeCloseTo(Math.LN2 + 2 * Math.log(4 / 3), 14);
    expect(new Logistic('mean').value(f, y, 3)).toBeCloseTo((Math.LN2 + 2 * Math.log(4 / 3)) / 3, 14);
    // −y·σ(−y·f): −½, then σ(−log 3) = ¼ for both (same margin).
    const g = gradientOf(new Logistic('sum'), f, y);
    expect(g[0]).toBeCloseTo(-0.5, 15);
    expect(g[1]).toBeCloseTo(-0.25, 15);
    expect(g[2]).toBeCloseTo(0.25, 15);
    // σ(z)σ(−z): ¼ at 0 and ¾·¼ = 3/16 at log 3.
    const c = curvatureOf(new Logistic('sum'), f, y);
    expect(c[0]).toBeCloseTo(0.25, 15);
    expect(c[1]).toBeCloseTo(3 / 16, 15);
    expect(c[2]).toBeCloseTo(3 / 16, 15);
    expect(new Logistic('sum').convention).toBe('Σ log(1+e^(−y·f)), y = ±1');
    expect(new Logistic('mean').convention).toBe('mean log(1+e^(−y·f)), y = ±1');
  });

  it('matches finite differences', () => {
    expectDerivativesMatchFiniteDifferences(new Logistic('sum'), marginF, marginY);
    expectDerivativesMatchFiniteDifferences(new Logistic('mean'), new Float64Array([3, -0.7, 0, 5]), new Float64Array([-1, -1, 1, 1]));
  });

  it('stays finite at f = ±1000 with the right limits', () => {
    const f = new Float64Array([1000, -1000, 1000, -1000]);
    const y = new Float64Array([1, 1, -1, -1]);
    const loss = new Logistic('sum');
    expect(loss.value(f.subarray(0, 1), y.subarray(0, 1), 1)).toBe(0);
    expect(loss.value(f.subarray(1, 2), y.subarray(1, 2), 1)).toBe(1000);
    expect(loss.value(f, y, 4)).toBe(2000);
    const g = gradientOf(loss, f, y);
    expect([...g].map((v) => v + 0)).toEqual([0, -1, 1, 0]);
    expect([...curvatureOf(loss, f, y)]).toEqual([0, 0, 0, 0]);
    // The small tail keeps its relative precision: log(1 + e^(−40)) ≈ e^(−40).
    expect(loss.value(new Float64Array([40]), new Float64Array([1]), 1) / Math.exp(-40)).toBeCloseTo(1, 12);
  });
});

describe('CrossEntropy: binary cross-entropy on a logit, 0/1 labels', () => {
  it('is log 2 at f = 0, log(4/3) and log 4 at f = log 3', () => {
    const f = new Float64Array([0, Math.log(3), Math.log(3)]);
    const y = new Float64Array([1, 1, 0]);
    const total = Math.LN2 + Math.log(4 / 3) + Math.log(4);
    expect(new CrossEntropy('sum').value(f, y, 3)).toBeCloseTo(total, 14);
    expect(new CrossEntropy('mean').value(f, y, 3)).toBeCloseTo(total / 3, 14);
    // σ(f) − y with σ(log 3) = ¾.
    const g = gradientOf(new CrossEntropy('sum'), f, y);
    expect(g[0]).toBeCloseTo(-0.5, 15);
    expect(g[1]).toBeCloseTo(-0.25, 15);
    expect(g[2]).toBeCloseTo(0.75, 15);
    const c = curvatureOf(new CrossEntropy('mean'), f, y);
    expect(c[0]).toBeCloseTo(0.25 / 3, 15);
    expect(c[1]).toBeCloseTo(3 / 16 / 3, 15);
    expect(c[2]).toBeCloseTo(3 / 16 / 3, 15);
    expect(new CrossEntropy('sum').convention).toBe('Σ −[y·log σ(f) + (1−y)·log(1−σ(f))], y ∈ {0,1}');
    expect(new CrossEntropy('mean').convention).toBe('mean −[y·log σ(f) + (1−y)·log(1−σ(f))], y ∈ {0,1}');
  });

  it('is the logistic loss in 0/1 labels', () => {
    const f = new Float64Array([2.5, -0.3, 0.1, -4]);
    const y01 = new Float64Array([1, 0, 0, 1]);
    const ypm = y01.map((v) => 2 * v - 1);
    expect(new CrossEntropy('mean').value(f, y01, 4)).toBeCloseTo(new Logistic('mean').value(f, ypm, 4), 15);
    const a = gradientOf(new CrossEntropy('sum'), f, y01);
    const b = gradientOf(new Logistic('sum'), f, ypm);
    for (let i = 0; i < 4; i++) expect(a[i]).toBeCloseTo(b[i], 15);
  });

  it('matches finite differences', () => {
    expectDerivativesMatchFiniteDifferences(new CrossEntropy('sum'), new Float64Array([2, 0.5, -1, 0.25]), new Float64Array([1, 0, 1, 0]));
    expectDerivativesMatchFiniteDifferences(new CrossEntropy('mean'), new Float64Array([-3, 0, 6]), new Float64Array([0, 1, 1]));
  });

  it('stays finite at f = ±1000 with the right limits', () => {
    const f = new Float64Array([1000, 1000, -1000, -1000]);
    const y = new Float64Array([1, 0, 0, 1]);
    const loss = new CrossEntropy('sum');
    expect(loss.value(f.subarray(0, 1), y.subarray(0, 1), 1)).toBe(0);
    expect(loss.value(f.subarray(1, 2), y.subarray(1, 2), 1)).toBe(1000);
    expect(loss.value(f, y, 4)).toBe(2000);
    expect([...gradientOf(loss, f, y)]).toEqual([0, 1, 0, -1]);
    expect([...curvatureOf(loss, f, y)]).toEqual([0, 0, 0, 0]);
    // No cancellation in softplus(f) − f for a confident correct prediction.
    expect(loss.value(new Float64Array([40]), new Float64Array([1]), 1) / Math.exp(-40)).toBeCloseTo(1, 12);
  });
});

describe('the classification losses together', () => {
  const losses = (reduction: 'sum' | 'mean'): readonly [string, Loss, Float64Array][] => [
    ['linear-hinge', new LinearHinge(reduction, 1), marginY],
    ['hinge', new Hinge(reduction, 1), marginY],
    ['logistic', new Logistic(reduction), marginY],
    ['cross-entropy', new CrossEntropy(reduction), new Float64Array([1, 1, 1, 0])],
  ];

  it('mean is sum / n for value, gradient and curvature', () => {
    const sums = losses('sum');
    const means = losses('mean');
    for (let k = 0; k < sums.length; k++) {
      const [, sum, y] = sums[k];
      const [, mean] = means[k];
      expect(mean.value(marginF, y, 4)).toBeCloseTo(sum.value(marginF, y, 4) / 4, 15);
      const gs = gradientOf(sum, marginF, y);
      const gm = gradientOf(mean, marginF, y);
      const cs = curvatureOf(sum, marginF, y);
      const cm = curvatureOf(mean, marginF, y);
      for (let i = 0; i < 4; i++) {
        expect(gm[i]).toBeCloseTo(gs[i] / 4, 15);
        expect(cm[i]).toBeCloseTo(cs[i] / 4, 15);
      }
    }
  });

  it('write only the first n entries of their output buffers', () => {
    for (const [, loss, y] of losses('sum')) {
      const out = new Float64Array(6).fill(7);
      loss.gradient(marginF, y, 3, out);
      expect([...out.subarray(3)]).toEqual([7, 7, 7]);
      out.fill(7);
      loss.curvature(marginF, y, 3, out);
      expect([...out.subarray(3)]).toEqual([7, 7, 7]);
    }
  });

  it.each([
    [new LinearHinge('sum', 1), 'linear-hinge'],
    [new Hinge('mean', 1), 'hinge'],
    [new Logistic('sum'), 'logistic'],
  ])('%#: a margin loss refuses labels other than ±1, naming the row and value (%s)', (loss, id) => {
    const f = new Float64Array([0.1, 0.2, 0.3]);
    expect(() => loss.value(f, new Float64Array([1, -1, 0]), 3)).toThrow(`${id}: target of row 2 is 0, but margin losses need labels ±1`);
    expect(() => loss.value(f, new Float64Array([0.5, 1, 1]), 3)).toThrow(`${id}: target of row 0 is 0.5`);
    expect(() => loss.value(f, new Float64Array([1, Number.NaN, 1]), 3)).toThrow('row 1 is NaN');
  });

  it('cross-entropy refuses labels other than 0/1, naming the row and value', () => {
    const loss = new CrossEntropy('sum');
    const f = new Float64Array([0.1, 0.2, 0.3]);
    expect(() => loss.value(f, new Float64Array([0, 1, -1]), 3)).toThrow('cross-entropy: target of row 2 is -1, but binary cross-entropy needs labels 0 or 1');
    expect(() => loss.value(f, new Float64Array([0.3, 1, 0]), 3)).toThrow('target of row 0 is 0.3');
  });
});

describe('classification loss contributions', () => {
  it('are registered by the core under their ids', () => {
    const kernel = new Tdlab();
    for (const id of ['linear-hinge', 'hinge', 'logistic', 'cross-entropy']) {
      expect(kernel.registry.find('loss', id)?.plugin).toBe(`@tdlab/core@${CORE_API_VERSION}`);
    }
  });

  it('require the reduction, default h to 1 and refuse h ≤ 0', () => {
    expect(linearHingeContribution.options({ reduction: 'sum' })).toEqual({ reduction: 'sum', h: 1 });
    expect(hingeContribution.options({ reduction: 'mean', h: 0.5 })).toEqual({ reduction: 'mean', h: 0.5 });
    expect(hingeContribution.options({ h: 1 })).toBeInstanceOf(ArkErrors);
    expect(linearHingeContribution.options({ reduction: 'sum', h: 0 })).toBeInstanceOf(ArkErrors);
    expect(logisticContribution.options({})).toBeInstanceOf(ArkErrors);
    expect(crossEntropyContribution.options({ reduction: 'total' })).toBeInstanceOf(ArkErrors);
  });

  it('build losses with the chosen normalization', () => {
    const context = undefined as never;
    expect(linearHingeContribution.create({ reduction: 'sum', h: 2 }, context).convention).toBe('Σ(2−y·f)₊, y = ±1');
    expect(hingeContribution.create({ reduction: 'mean', h: 1 }, context).convention).toBe('½·mean (1−y·f)₊², y = ±1');
    expect(logisticContribution.create({ reduction: 'sum' }, context)).toBeInstanceOf(Logistic);
    expect(crossEntropyContribution.create({ reduction: 'mean' }, context)).toBeInstanceOf(CrossEntropy);
  });
});
