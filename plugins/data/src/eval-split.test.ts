import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSet, DataSetContribution, RunContext } from '@tdlab/core';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromFile, gaussianTeacher, mnist, signTeacher, singleExample, sphere, twoClusters } from './index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tdlab-eval-split-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function context(seed = 0): RunContext {
  return {
    runId: 'test',
    spec: {} as RunContext['spec'],
    precision: 'float64',
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: dir,
    outDir: undefined,
  };
}

function build(contribution: DataSetContribution, input: object, seed = 0): DataSet {
  const options = contribution.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return contribution.create(options as never, context(seed));
}

function errorOf(contribution: DataSetContribution, input: object): string {
  const result = contribution.options.onUndeclaredKey('reject')(input);
  return result instanceof type.errors ? result.summary : 'accepted';
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

// Every data set that draws from a distribution takes `eval: { n }`, drawn from rng('data').derive('eval').
const drawn: [string, DataSetContribution, object][] = [
  ['gaussian-teacher', gaussianTeacher, { n: 12, d: 3, noise: 0.2 }],
  ['sign-teacher', signTeacher, { n: 12, d: 3, direction: 'random' }],
  ['two-clusters', twoClusters, { n: 12 }],
  ['sphere', sphere, { n: 12, d: 3, degree: 2, noise: 0.1 }],
  ['mnist', mnist, { n: 12 }],
];

describe.each(drawn)('eval: { n } on %s', (_id, contribution, options) => {
  it('leaves the training set unchanged, is reproducible from the seed and independent of it', () => {
    const plain = build(contribution, options, 7);
    const small = build(contribution, { ...options, eval: { n: 5 } }, 7);
    const large = build(contribution, { ...options, eval: { n: 40 } }, 7);
    const again = build(contribution, { ...options, eval: { n: 40 } }, 7);
    const otherSeed = build(contribution, { ...options, eval: { n: 40 } }, 8);
    for (const data of [small, large]) {
      expect(same(data.train.x, plain.train.x)).toBe(true);
      expect(same(data.train.y, plain.train.y)).toBe(true);
    }
    expect(plain.eval).toBeUndefined();
    expect(large.eval!.n).toBe(40);
    expect(large.eval!.x).toHaveLength(40 * large.inputDim);
    expect(same(again.eval!.x, large.eval!.x)).toBe(true);
    expect(same(again.eval!.y, large.eval!.y)).toBe(true);
    expect(same(otherSeed.eval!.x, large.eval!.x)).toBe(false);
    // The eval rows are not a copy of the training rows.
    expect(same(large.eval!.x.subarray(0, plain.train.x.length), plain.train.x)).toBe(false);
  });

  it('rejects unknown keys and a non-positive n inside eval', () => {
    expect(errorOf(contribution, { ...options, eval: { n: 0 } })).toContain('eval.n');
    expect(errorOf(contribution, { ...options, eval: { n: 3, seed: 1 } })).toContain('eval.seed');
  });
});

describe('single-example: eval rows given inline', () => {
  it('stores the rows and targets, and leaves the training sample alone', () => {
    const data = build(singleExample, { x: [1, 2], y: 0.5, eval: { x: [[0, 1], [3, -1], [2, 2]], y: [1, -1, 0] } });
    expect(data.inputDim).toBe(2);
    expect([...data.train.x]).toEqual([1, 2]);
    expect([...data.train.y]).toEqual([0.5]);
    expect(data.eval!.n).toBe(3);
    expect([...data.eval!.x]).toEqual([0, 1, 3, -1, 2, 2]);
    expect([...data.eval!.y]).toEqual([1, -1, 0]);
    expect(build(singleExample, {}).eval).toBeUndefined();
  });

  it('checks the row lengths and the target count, naming the path', () => {
    expect(errorOf(singleExample, { x: [1, 2], eval: { x: [[1, 2], [1]], y: [0, 0] } })).toMatch(/eval\.x\[1\] must be a row of d = 2 numbers/);
    expect(errorOf(singleExample, { x: [1], eval: { x: [[1], [2]], y: [0] } })).toMatch(/eval\.y must be one target per eval row \(2\)/);
    expect(errorOf(singleExample, { eval: { x: [], y: [] } })).toContain('eval.x');
    expect(errorOf(singleExample, { eval: { x: [[1]], y: [0], n: 1 } })).toContain('eval.n');
  });
});

describe('from-file: eval as a file, a count or a fraction of the rows', () => {
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const rows = Array.from({ length: 20 }, (_, i) => `${i},${2 * i},${i % 3}`);
  const csv = () => write('table.csv', `a,b,y\n${rows.join('\n')}\n`);

  it('eval: { n } holds out n rows chosen from the seed; both parts keep the file order', () => {
    const path = csv();
    const data = build(fromFile, { path, eval: { n: 5 } });
    expect(data.train.n).toBe(15);
    expect(data.eval!.n).toBe(5);
    const firstColumn = (x: ArrayLike<number>) => Array.from(x).filter((_, k) => k % 2 === 0);
    const held = firstColumn(data.eval!.x);
    const kept = firstColumn(data.train.x);
    // Every row lands in exactly one part, rows intact (b = 2a, y = a mod 3), in file order.
    expect([...held, ...kept].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(held).toEqual([...held].sort((p, q) => p - q));
    expect(kept).toEqual([...kept].sort((p, q) => p - q));
    for (const part of [data.train, data.eval!]) {
      for (let i = 0; i < part.n; i++) {
        expect(part.x[2 * i + 1]).toBe(2 * part.x[2 * i]);
        expect(part.y[i]).toBe(part.x[2 * i] % 3);
      }
    }
    // Reproducible from the seed; another seed holds out other rows.
    expect(firstColumn(build(fromFile, { path, eval: { n: 5 } }).eval!.x)).toEqual(held);
    expect(firstColumn(build(fromFile, { path, eval: { n: 5 } }, 1).eval!.x)).not.toEqual(held);
  });

  it('eval: { fraction } holds out round(fraction·N) rows, the same rows as eval: { n } with that n', () => {
    const path = csv();
    const byFraction = build(fromFile, { path, eval: { fraction: 0.25 } });
    const byCount = build(fromFile, { path, eval: { n: 5 } });
    expect(byFraction.eval!.n).toBe(5);
    expect([...byFraction.eval!.x]).toEqual([...byCount.eval!.x]);
    expect([...byFraction.train.x]).toEqual([...byCount.train.x]);
  });

  it('eval: { path } is the same as evalPath', () => {
    const path = csv();
    const evalFile = write('held.csv', 'y,b,a\n7,8,9\n');
    const a = build(fromFile, { path, eval: { path: evalFile } });
    const b = build(fromFile, { path, evalPath: evalFile });
    expect([...a.eval!.x]).toEqual([9, 8]);
    expect([...a.eval!.x]).toEqual([...b.eval!.x]);
    expect(a.train.n).toBe(20);
  });

  it('rejects ambiguous or impossible eval options with clear errors', () => {
    const path = csv();
    expect(errorOf(fromFile, { path, eval: { n: 2, fraction: 0.1 } })).toMatch(/eval must be exactly one of path, n or fraction/);
    expect(errorOf(fromFile, { path, eval: {} })).toMatch(/eval must be exactly one of path, n or fraction/);
    expect(errorOf(fromFile, { path, eval: { fraction: 1 } })).toContain('eval.fraction');
    expect(errorOf(fromFile, { path, eval: { rows: 3 } })).toContain('eval.rows');
    expect(errorOf(fromFile, { path, evalPath: 'a.csv', eval: { n: 2 } })).toContain('evalPath');
    expect(() => build(fromFile, { path, eval: { n: 20 } })).toThrow(/eval\.n = 20 leaves no rows for training; the file has 20 rows/);
    expect(() => build(fromFile, { path, eval: { fraction: 0.01 } })).toThrow(/eval\.fraction = 0\.01 \(0 rows\) leaves no rows for eval/);
  });
});
