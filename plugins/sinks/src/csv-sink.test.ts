import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { record, removeTempDirs, sinkContext, summary, tempDir } from '../test/support.js';
import { CsvSink, csvSink } from './csv-sink.js';

afterAll(removeTempDirs);

describe('csv sink', () => {
  it('defaults its path to metrics.csv', () => {
    expect(csvSink.options({})).toEqual({ path: 'metrics.csv' });
  });

  it('writes the header run,step,name,index,value and one row per record', async () => {
    const dir = await tempDir();
    const sink = csvSink.create(csvSink.options.assert({}), sinkContext(dir));
    await sink.open?.({ run: 'run-1', name: 'test', totalSteps: 3, outDir: dir });
    sink.write(record(0, 'loss', 0.5));
    sink.write(record(0, 'ntk_eigenvalues', 3.25, 2));
    sink.write(record(3, 'weight_norm_ratio/layer1', 1e-7));
    await sink.close?.(summary());
    const text = await readFile(join(dir, 'metrics.csv'), 'utf8');
    expect(text.split('\n')).toEqual([
      'run,step,name,index,value',
      'run-1,0,loss,,0.5',
      'run-1,0,ntk_eigenvalues,2,3.25',
      'run-1,3,weight_norm_ratio/layer1,,1e-7',
      '',
    ]);
    const rows = text.trim().split('\n').slice(1).map((line) => line.split(','));
    expect(rows.map((row) => Number(row[4]))).toEqual([0.5, 3.25, 1e-7]);
  });

  it('writes non-finite values literally as NaN, Infinity and -Infinity', async () => {
    const dir = await tempDir();
    const sink = new CsvSink(join(dir, 'm.csv'));
    await sink.open();
    sink.write(record(9, 'loss', Number.NaN));
    sink.write(record(9, 'loss', Number.POSITIVE_INFINITY));
    sink.write(record(9, 'loss', Number.NEGATIVE_INFINITY));
    await sink.close();
    const values = (await readFile(join(dir, 'm.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[4]);
    expect(values).toEqual(['NaN', 'Infinity', '-Infinity']);
    // A plain reader parses them back and tells them apart.
    const parsed = values.map(Number);
    expect(parsed[0]).toBeNaN();
    expect(parsed.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('quotes a name holding a comma or a quote (RFC 4180)', async () => {
    const dir = await tempDir();
    const sink = new CsvSink(join(dir, 'q.csv'));
    sink.write({ run: 'run-1', step: 0, name: 'odd,"name"', value: 1 });
    await sink.close();
    expect((await readFile(join(dir, 'q.csv'), 'utf8')).split('\n')[1]).toBe('run-1,0,"odd,""name""",,1');
  });

  it('leaves just the header for a run without records, and keeps 10,000 rows in order', async () => {
    const dir = await tempDir();
    const empty = new CsvSink(join(dir, 'empty.csv'));
    await empty.open();
    await empty.close();
    expect(await readFile(join(dir, 'empty.csv'), 'utf8')).toBe('run,step,name,index,value\n');

    const big = new CsvSink(join(dir, 'big.csv'));
    await big.open();
    for (let i = 0; i < 10_000; i++) big.write(record(i, 'loss', i));
    await big.flush();
    await big.close();
    const lines = (await readFile(join(dir, 'big.csv'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(10_001);
    expect(lines.slice(1).every((line, i) => line === `run-1,${i},loss,,${i}`)).toBe(true);
  });
});
