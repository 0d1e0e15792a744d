import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '@tdlab/core';
import { type Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromFile } from './index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tdlab-plugin-data-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function context(precision: Precision = 'float64'): RunContext {
  return {
    runId: 'test',
    spec: {} as RunContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(0).derive(purpose),
    baseDir: dir,
    outDir: undefined,
  };
}

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function load(input: object, precision: Precision = 'float64') {
  const options = fromFile.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return fromFile.create(options, context(precision));
}

const rows = [
  [0.5, -1, 2],
  [1e-3, 4.25, -0.125],
  [3, 0, 1],
];
const targets = [1, -1, 0.75];

describe('from-file: CSV', () => {
  it('round-trips a table: the target column is y, every other column a feature in file order', () => {
    const header = 'a,y,b,c';
    const lines = rows.map((r, i) => [r[0], targets[i], r[1], r[2]].join(','));
    const path = write('train.csv', `${header}\n${lines.join('\n')}\n`);
    const data = load({ path });
    expect(data.inputDim).toBe(3);
    expect(data.train.n).toBe(3);
    expect([...data.train.x]).toEqual(rows.flat());
    expect([...data.train.y]).toEqual(targets);
    expect(data.eval).toBeUndefined();
  });

  it('accepts CRLF, blank lines, spaces around cells, quoted headers, a BOM and exponents', () => {
    const path = write('messy.csv', '\ufeff"x 1", "label" ,x2\r\n\r\n 1 , 2e0, -3.5E-1\r\n+4,.5,6.\r\n\r\n');
    const data = load({ path, target: 'label' });
    expect(data.inputDim).toBe(2);
    expect([...data.train.x]).toEqual([1, -0.35, 4, 6]);
    expect([...data.train.y]).toEqual([2, 0.5]);
  });

  it('reads an eval file, matching its columns by name', () => {
    const train = write('cols-train.csv', 'p,q,y\n1,2,3\n4,5,6\n');
    const evalPath = write('cols-eval.csv', 'y,q,p\n9,8,7\n');
    const data = load({ path: train, evalPath });
    expect(data.eval!.n).toBe(1);
    expect([...data.eval!.x]).toEqual([7, 8]);
    expect([...data.eval!.y]).toEqual([9]);
  });

  it('stores the run precision', () => {
    const path = write('f32.csv', 'x,y\n0.1,1\n');
    const data = load({ path }, 'float32');
    expect(data.train.x).toBeInstanceOf(Float32Array);
    expect(data.train.x[0]).toBe(Math.fround(0.1));
  });

  it('rejects a ragged row, naming the file, the line and the data row', () => {
    const path = write('ragged.csv', 'a,b,y\n1,2,3\n4,5\n');
    expect(() => load({ path })).toThrow(`from-file: ${join(dir, 'ragged.csv')}: line 3 (data row 2) has 2 cells, but the header has 3 columns`);
  });

  it('rejects a non-numeric cell, naming the column and the value', () => {
    const path = write('text.csv', 'a,b,y\n1,2,3\n4,five,6\n');
    expect(() => load({ path })).toThrow(/text\.csv: line 3 \(data row 2\): column "b" is "five", which is not a finite number/);
  });

  it.each([
    ['empty cell', '1,,3', /column "b" is empty/],
    ['NaN', '1,NaN,3', /column "b" is "NaN", which is not a finite number/],
    ['Infinity', '1,2,inf', /column "y" is "inf", which is not a finite number/],
    ['hexadecimal', '1,0x10,3', /column "b" is "0x10"/],
    ['overflow', '1,1e400,3', /column "b" is "1e400"/],
  ])('rejects a cell that is not a finite decimal number (%s)', (_name, line, message) => {
    const path = write('cell.csv', `a,b,y\n${line}\n`);
    expect(() => load({ path })).toThrow(message);
  });

  it('rejects a header without the target column, listing the columns and the target option', () => {
    const path = write('no-target.csv', 'a,b,label\n1,2,3\n');
    expect(() => load({ path })).toThrow(
      /no-target\.csv: line 1: the header has no column named "y" \(columns: "a", "b", "label"\); set the `target` option/,
    );
  });

  it('hints at the separator when a semicolon- or tab-separated file has no commas', () => {
    const path = write('semicolons.csv', 'a;y\n1;2\n');
    expect(() => load({ path })).toThrow(/columns must be separated by commas/);
  });

  it('rejects a file with no data rows, an empty file and a header of only the target', () => {
    expect(() => load({ path: write('header-only.csv', 'x,y\n') })).toThrow(/header-only\.csv: the file has a header but no data rows/);
    expect(() => load({ path: write('empty.csv', '\n\n') })).toThrow(/empty\.csv: the file is empty/);
    expect(() => load({ path: write('only-y.csv', 'y\n1\n') })).toThrow(/only-y\.csv: line 1: the header has only the target column "y"/);
  });

  it('rejects an eval file whose feature columns differ from the training file', () => {
    const train = write('m-train.csv', 'p,q,y\n1,2,3\n');
    const evalPath = write('m-eval.csv', 'p,r,y\n1,2,3\n');
    expect(() => load({ path: train, evalPath })).toThrow(/m-eval\.csv: the feature columns differ from the training file's \(missing "q"; unexpected "r"\)/);
  });
});

describe('from-file: JSON', () => {
  it('round-trips { x: number[][], y: number[] }', () => {
    const path = write('train.json', JSON.stringify({ x: rows, y: targets }));
    const data = load({ path });
    expect(data.inputDim).toBe(3);
    expect(data.train.n).toBe(3);
    expect([...data.train.x]).toEqual(rows.flat());
    expect([...data.train.y]).toEqual(targets);
  });

  it('round-trips an array of { x, y } rows, with an eval file in the other JSON shape', () => {
    const path = write('rows.json', JSON.stringify(rows.map((x, i) => ({ x, y: targets[i] }))));
    const evalPath = write('rows-eval.json', JSON.stringify({ x: [[9, 8, 7]], y: [6] }));
    const data = load({ path, evalPath });
    expect([...data.train.x]).toEqual(rows.flat());
    expect([...data.train.y]).toEqual(targets);
    expect([...data.eval!.x]).toEqual([9, 8, 7]);
    expect([...data.eval!.y]).toEqual([6]);
  });

  it('accepts bare numbers as one-feature rows', () => {
    const data = load({ path: write('scalar.json', JSON.stringify({ x: [1, 2], y: [0, 1] })) });
    expect(data.inputDim).toBe(1);
    expect([...data.train.x]).toEqual([1, 2]);
  });

  it.each([
    ['ragged rows', { x: [[1, 2], [3]], y: [1, 2] }, /row 1 \(x\[1\], y\[1\]\): x has 1 entries, but row 0 has 2/],
    ['a string feature', { x: [[1, 2], [3, '4']], y: [1, 2] }, /row 1 \(x\[1\], y\[1\]\): x\[1\] is "4", not a finite number/],
    ['a null target', { x: [[1], [2]], y: [1, null] }, /row 1 \(x\[1\], y\[1\]\): y is null, not a finite number/],
    ['x and y of different lengths', { x: [[1], [2]], y: [1] }, /"x" has 2 rows but "y" has 1/],
    ['a row without y', [{ x: [1], y: 1 }, { x: [2] }], /row 1 has no "y"/],
    ['an unknown shape', { inputs: [[1]], targets: [1] }, /expected \{"x": number\[\]\[\], "y": number\[\]\} or an array of \{"x": number\[\], "y": number\}/],
    ['no rows', [], /the file has no rows/],
  ])('rejects %s with the file name and the row', (_name, content, message) => {
    const path = write('bad.json', JSON.stringify(content));
    expect(() => load({ path })).toThrow(message);
    expect(() => load({ path })).toThrow(join(dir, 'bad.json'));
  });

  it('rejects invalid JSON and an eval file of another width', () => {
    expect(() => load({ path: write('broken.json', '{"x": [[1]], "y": [1]') })).toThrow(/broken\.json: not valid JSON/);
    const path = write('w2.json', JSON.stringify({ x: [[1, 2]], y: [1] }));
    const evalPath = write('w3.json', JSON.stringify({ x: [[1, 2, 3]], y: [1] }));
    expect(() => load({ path, evalPath })).toThrow(/w3\.json: rows have 3 features, but the training file's have 2/);
  });
});

describe('from-file: files', () => {
  it('resolves relative paths against baseDir, and reports a missing file by its resolved path', () => {
    expect(() => load({ path: 'missing.csv' })).toThrow(`from-file: ${join(dir, 'missing.csv')}: no such file`);
  });

  it('takes the format from the extension, or from the format option', () => {
    expect(() => load({ path: write('data.txt', 'x,y\n1,2\n') })).toThrow(/data\.txt: cannot tell the format from the extension "\.txt"/);
    expect([...load({ path: 'data.txt', format: 'csv' }).train.y]).toEqual([2]);
    expect(load({ path: write('DATA.JSON', '{"x":[[1]],"y":[2]}') }).train.n).toBe(1);
  });

  it('defaults target to y and rejects unknown options', () => {
    expect(fromFile.options({ path: 'a.csv' })).toEqual({ path: 'a.csv', target: 'y' });
    expect((fromFile.options.onUndeclaredKey('reject')({ path: 'a.csv', header: true }) as type.errors).summary).toContain('header');
    expect((fromFile.options({ path: '' }) as type.errors).summary).toContain('path');
  });
});
