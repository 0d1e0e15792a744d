import { ContributionRegistry, type RunContext } from '@tdlab/core';
import { type Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import dataPlugin, { gaussianTeacher, signTeacher, singleExample, type TeacherDataSet, twoClusters } from './index.js';

function context(seed = 0, precision: Precision = 'float64'): RunContext {
  return {
    runId: 'test',
    spec: {} as RunContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: '.',
    outDir: undefined,
  };
}

/** Validates options the way the study validator does (strict, defaults applied), then creates the set. */
function build<C extends { options: type.Any; create(options: never, context: RunContext): unknown }>(
  contribution: C,
  input: object,
  ctx: RunContext = context(),
): ReturnType<C['create']> {
  const options = contribution.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return contribution.create(options as never, ctx) as ReturnType<C['create']>;
}

/** Same type, same length and the same bytes: bitwise equality of two typed arrays. */
function bitwiseEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  return (
    a.constructor === b.constructor &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}

function fraction(values: ArrayLike<number>, predicate: (value: number) => boolean): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (predicate(values[i])) count++;
  return count / values.length;
}

describe('@tdlab/plugin-data', () => {
  it('registers the nine data sets under the data plugin', () => {
    const registry = new ContributionRegistry();
    registry.register(dataPlugin);
    expect(dataPlugin.name).toBe('@tdlab/plugin-data');
    expect(registry.list('data').map((entry) => entry.contribution.id)).toEqual([
      'single-example',
      'gaussian-teacher',
      'sign-teacher',
      'two-clusters',
      'from-file',
      'gaussian-inputs',
      'quadratic-teacher',
      'sphere',
      'mnist',
    ]);
    expect(registry.find('data', 'gaussian-teacher')?.plugin).toBe('@tdlab/plugin-data@0.1.0');
  });

});

describe('single-example', () => {
  it('defaults to the uv-model set-up x = 1, y = 0', () => {
    const data = build(singleExample, {});
    expect(data.inputDim).toBe(1);
    expect(data.train.n).toBe(1);
    expect([...data.train.x]).toEqual([1]);
    expect([...data.train.y]).toEqual([0]);
    expect(data.train.x).toBeInstanceOf(Float64Array);
    expect(data.eval).toBeUndefined();
  });

  it('takes a multi-feature x and a target, in the run precision', () => {
    const data = build(singleExample, { x: [0.5, -2, 3], y: 1.25 }, context(0, 'float32'));
    expect(data.inputDim).toBe(3);
    expect(data.train.x).toBeInstanceOf(Float32Array);
    expect([...data.train.x]).toEqual([0.5, -2, 3]);
    expect([...data.train.y]).toEqual([1.25]);
  });

  it('rejects an empty x and a non-numeric y, naming the key', () => {
    expect((singleExample.options({ x: [] }) as type.errors).summary).toContain('x');
    expect((singleExample.options({ y: 'one' }) as type.errors).summary).toContain('y');
  });
});

describe('gaussian-teacher', () => {
  it('has n rows of d features and y = β·x/√d exactly (linear teacher, no noise)', () => {
    const data = build(gaussianTeacher, { n: 50, d: 7 }) as TeacherDataSet;
    expect(data.inputDim).toBe(7);
    expect(data.train.n).toBe(50);
    expect(data.train.x).toHaveLength(350);
    expect(data.train.y).toHaveLength(50);
    expect(data.teacher).toHaveLength(7);
    for (let i = 0; i < 50; i++) {
      let dot = 0;
      for (let j = 0; j < 7; j++) dot += data.teacher[j] * data.train.x[i * 7 + j];
      expect(data.train.y[i]).toBe(dot * (1 / Math.sqrt(7)));
    }
  });

  it('fills the defaults noise 0, teacher linear', () => {
    expect(gaussianTeacher.options({ n: 2, d: 3 })).toEqual({ n: 2, d: 3, noise: 0, teacher: 'linear' });
  });

  it('relu-unit: y = √2·ReLU(β·x/√d), non-negative, E[y²] ≈ ‖β‖²/d', () => {
    const n = 8000;
    const linear = build(gaussianTeacher, { n, d: 20 }) as TeacherDataSet;
    const relu = build(gaussianTeacher, { n, d: 20, teacher: 'relu-unit' }) as TeacherDataSet;
    expect(bitwiseEqual(relu.train.x, linear.train.x)).toBe(true);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (relu.train.y[i] !== Math.max(0, linear.train.y[i]) * Math.SQRT2) mismatches++;
    expect(mismatches).toBe(0);
    expect(fraction(relu.train.y, (y) => y >= 0)).toBe(1);
    const norm2 = relu.teacher.reduce((sum, b) => sum + b * b, 0) / 20;
    const meanSquare = Array.from(relu.train.y).reduce((sum, y) => sum + y * y, 0) / n;
    // y²/(‖β‖²/d) = 2·ReLU(g)², mean 1, variance 5: the s.d. of the mean is 0.025; allow 4 s.d.
    expect(Math.abs(meanSquare / norm2 - 1)).toBeLessThan(0.1);
  });

  it('is bitwise reproducible for a seed, eval set included', () => {
    const a = build(gaussianTeacher, { n: 20, d: 5, noise: 0.1, eval: { n: 30 } }, context(3));
    const b = build(gaussianTeacher, { n: 20, d: 5, noise: 0.1, eval: { n: 30 } }, context(3));
    expect(bitwiseEqual(b.train.x, a.train.x)).toBe(true);
    expect(bitwiseEqual(b.train.y, a.train.y)).toBe(true);
    expect(bitwiseEqual(b.eval!.x, a.eval!.x)).toBe(true);
    expect(bitwiseEqual(b.eval!.y, a.eval!.y)).toBe(true);
  });

  it('differs across seeds', () => {
    const a = build(gaussianTeacher, { n: 20, d: 5 }, context(1));
    const b = build(gaussianTeacher, { n: 20, d: 5 }, context(2));
    expect(bitwiseEqual(b.train.x, a.train.x)).toBe(false);
    expect(bitwiseEqual(b.train.y, a.train.y)).toBe(false);
  });

  it('the eval set uses the same teacher, and asking for it leaves the training set unchanged', () => {
    const plain = build(gaussianTeacher, { n: 10, d: 4 }) as TeacherDataSet;
    const withEval = build(gaussianTeacher, { n: 10, d: 4, eval: { n: 25 } }) as TeacherDataSet;
    expect(bitwiseEqual(withEval.train.x, plain.train.x)).toBe(true);
    expect(bitwiseEqual(withEval.train.y, plain.train.y)).toBe(true);
    const evalSet = withEval.eval!;
    expect(evalSet.n).toBe(25);
    expect(evalSet.x).toHaveLength(100);
    for (let i = 0; i < 25; i++) {
      let dot = 0;
      for (let j = 0; j < 4; j++) dot += withEval.teacher[j] * evalSet.x[i * 4 + j];
      expect(evalSet.y[i]).toBeCloseTo(dot / 2, 12);
    }
    expect(bitwiseEqual(evalSet.x.subarray(0, 40), withEval.train.x)).toBe(false);
  });

  it('noise changes the targets by noise·N(0, 1) and leaves the inputs alone', () => {
    const clean = build(gaussianTeacher, { n: 3000, d: 3 });
    const noisy = build(gaussianTeacher, { n: 3000, d: 3, noise: 0.5 });
    expect(bitwiseEqual(noisy.train.x, clean.train.x)).toBe(true);
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < 3000; i++) {
      const residual = noisy.train.y[i] - clean.train.y[i];
      sum += residual;
      sumSquares += residual * residual;
    }
    expect(Math.abs(sum / 3000)).toBeLessThan(0.05);
    expect(Math.sqrt(sumSquares / 3000)).toBeGreaterThan(0.45);
    expect(Math.sqrt(sumSquares / 3000)).toBeLessThan(0.55);
  });

  it('float32 runs store float32 arrays with the float64 draws rounded', () => {
    const f64 = build(gaussianTeacher, { n: 8, d: 3 }, context(5));
    const f32 = build(gaussianTeacher, { n: 8, d: 3 }, context(5, 'float32'));
    expect(f32.train.x).toBeInstanceOf(Float32Array);
    expect(f32.train.y).toBeInstanceOf(Float32Array);
    expect([...f32.train.x]).toEqual([...Float32Array.from(f64.train.x)]);
  });

  it('rejects bad options, naming the key, including unknown keys inside eval', () => {
    for (const [input, key] of [
      [{ n: 0, d: 3 }, 'n'],
      [{ n: 2.5, d: 3 }, 'n'],
      [{ n: 3, d: -1 }, 'd'],
      [{ n: 3, d: 3, noise: -0.1 }, 'noise'],
      [{ n: 3, d: 3, teacher: 'tanh' }, 'teacher'],
      [{ n: 3, d: 3, eval: { n: 0 } }, 'eval.n'],
      [{ n: 3, d: 3, eval: { n: 3, size: 4 } }, 'eval.size'],
      [{ d: 3 }, 'n'],
    ] as const) {
      const result = gaussianTeacher.options.onUndeclaredKey('reject')(input);
      expect(result).toBeInstanceOf(type.errors);
      expect((result as type.errors).summary).toContain(key);
    }
  });
});

describe('sign-teacher', () => {
  it('labels y = sign(x₁) ∈ {−1, +1}, with the Meltzer shapes n = 16, d = 10', () => {
    const data = build(signTeacher, { n: 16, d: 10 }) as TeacherDataSet;
    expect(data.inputDim).toBe(10);
    expect(data.train.x).toHaveLength(160);
    expect(data.train.y).toHaveLength(16);
    for (let i = 0; i < 16; i++) expect(data.train.y[i]).toBe(data.train.x[i * 10] < 0 ? -1 : 1);
    expect([...data.teacher]).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('random direction: y = sign(w*·x), on the same inputs as direction first', () => {
    const first = build(signTeacher, { n: 200, d: 6 });
    const random = build(signTeacher, { n: 200, d: 6, direction: 'random' }) as TeacherDataSet;
    expect(bitwiseEqual(random.train.x, first.train.x)).toBe(true);
    expect(bitwiseEqual(random.train.y, first.train.y)).toBe(false);
    for (let i = 0; i < 200; i++) {
      let dot = 0;
      for (let j = 0; j < 6; j++) dot += random.teacher[j] * random.train.x[i * 6 + j];
      expect(random.train.y[i]).toBe(dot < 0 ? -1 : 1);
    }
  });

  it.each(['first', 'random'] as const)('labels are balanced (direction %s, n = 20000)', (direction) => {
    const data = build(signTeacher, { n: 20000, d: 5, direction, eval: { n: 20000 } });
    // Binomial(20000, ½): s.d. of the fraction is 0.0035; allow 5 s.d.
    expect(Math.abs(fraction(data.train.y, (y) => y === 1) - 0.5)).toBeLessThan(0.018);
    expect(Math.abs(fraction(data.eval!.y, (y) => y === 1) - 0.5)).toBeLessThan(0.018);
    expect(fraction(data.train.y, (y) => y === 1 || y === -1)).toBe(1);
  });

  it('is bitwise reproducible for a seed and differs across seeds', () => {
    const a = build(signTeacher, { n: 16, d: 10, eval: { n: 8 } }, context(7));
    const b = build(signTeacher, { n: 16, d: 10, eval: { n: 8 } }, context(7));
    const c = build(signTeacher, { n: 16, d: 10, eval: { n: 8 } }, context(8));
    expect(bitwiseEqual(b.train.x, a.train.x)).toBe(true);
    expect(bitwiseEqual(b.train.y, a.train.y)).toBe(true);
    expect(bitwiseEqual(b.eval!.x, a.eval!.x)).toBe(true);
    expect(bitwiseEqual(c.train.x, a.train.x)).toBe(false);
    expect(bitwiseEqual(c.eval!.x, a.eval!.x)).toBe(false);
  });

  it('the eval set leaves the training set unchanged', () => {
    const plain = build(signTeacher, { n: 16, d: 10 });
    const withEval = build(signTeacher, { n: 16, d: 10, eval: { n: 100 } });
    expect(bitwiseEqual(withEval.train.x, plain.train.x)).toBe(true);
    expect(withEval.eval!.n).toBe(100);
    expect(withEval.eval!.x).toHaveLength(1000);
  });

  it('rejects an unknown direction', () => {
    expect((signTeacher.options({ n: 3, d: 3, direction: 'second' }) as type.errors).summary).toContain('direction');
  });
});

describe('two-clusters (Zhu et al. Fig. 3)', () => {
  it('defaults to 128 points in d = 1, 64 per class, centred at ∓2', () => {
    expect(twoClusters.options({})).toEqual({ n: 128, mean: 2 });
    const data = build(twoClusters, {});
    expect(data.inputDim).toBe(1);
    expect(data.train.n).toBe(128);
    expect(data.train.x).toHaveLength(128);
    const negatives = [...data.train.y.subarray(0, 64)];
    const positives = [...data.train.y.subarray(64)];
    expect(negatives.every((y) => y === -1)).toBe(true);
    expect(positives.every((y) => y === 1)).toBe(true);
    const meanOf = (values: ArrayLike<number>): number => Array.from(values).reduce((s, v) => s + v, 0) / values.length;
    // Sample means of 64 unit-variance points: s.d. 1/8.
    expect(Math.abs(meanOf(data.train.x.subarray(0, 64)) + 2)).toBeLessThan(0.5);
    expect(Math.abs(meanOf(data.train.x.subarray(64)) - 2)).toBeLessThan(0.5);
  });

  it('gives the extra point of an odd n to the +1 class, and takes mean as an option', () => {
    const data = build(twoClusters, { n: 5, mean: 10 });
    expect([...data.train.y]).toEqual([-1, -1, 1, 1, 1]);
    for (let i = 0; i < 5; i++) expect(Math.sign(data.train.x[i])).toBe(data.train.y[i]);
  });

  it('is bitwise reproducible for a seed, differs across seeds, and has an optional eval set', () => {
    const a = build(twoClusters, { eval: { n: 10 } }, context(11));
    const b = build(twoClusters, { eval: { n: 10 } }, context(11));
    const c = build(twoClusters, {}, context(12));
    expect(bitwiseEqual(b.train.x, a.train.x)).toBe(true);
    expect(bitwiseEqual(b.eval!.x, a.eval!.x)).toBe(true);
    expect([...a.eval!.y]).toEqual([-1, -1, -1, -1, -1, 1, 1, 1, 1, 1]);
    expect(bitwiseEqual(c.train.x, a.train.x)).toBe(false);
  });
});
