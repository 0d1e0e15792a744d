import { type } from 'arktype';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { record, removeTempDirs, sinkContext, summary, tempDir } from '../test/support.js';
import { JsonlSink, jsonlSink } from './jsonl-sink.js';

const lines = async (path: string): Promise<unknown[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as unknown);

afterAll(removeTempDirs);
afterEach(() => vi.restoreAllMocks());

describe('jsonl sink', () => {
  it('defaults its path to metrics.jsonl', () => {
    expect(jsonlSink.options({})).toEqual({ path: 'metrics.jsonl' });
    expect(jsonlSink.options({ path: '' })).toBeInstanceOf(type.errors);
  });

  it('writes one JSON object per record per line, in the run directory, by the time close resolves', async () => {
    const dir = await tempDir();
    const sink = jsonlSink.create(jsonlSink.options.assert({}), sinkContext(dir));
    await sink.open?.({ run: 'run-1', name: 'test', totalSteps: 2, outDir: dir });
    sink.write(record(0, 'loss', 0.5));
    sink.write(record(0, 'ntk_eigenvalues', 3.25, 1));
    sink.write(record(1, 'loss', 1e-300));
    await sink.flush?.();
    sink.write(record(2, 'loss', -1.2345678901234567));
    await sink.close?.(summary());
    expect(await lines(join(dir, 'metrics.jsonl'))).toEqual([
      { run: 'run-1', step: 0, name: 'loss', value: 0.5 },
      { run: 'run-1', step: 0, name: 'ntk_eigenvalues', index: 1, value: 3.25 },
      { run: 'run-1', step: 1, name: 'loss', value: 1e-300 },
      { run: 'run-1', step: 2, name: 'loss', value: -1.2345678901234567 },
    ]);
  });

  it('writes non-finite values as "NaN", "Infinity" and "-Infinity", which a reader can tell apart', async () => {
    const dir = await tempDir();
    const sink = new JsonlSink(join(dir, 'm.jsonl'));
    await sink.open();
    sink.write(record(7, 'loss', Number.NaN));
    sink.write(record(7, 'eval_loss', Number.POSITIVE_INFINITY));
    sink.write(record(7, 'ntk_lambda', Number.NEGATIVE_INFINITY));
    await sink.close();
    const text = await readFile(join(dir, 'm.jsonl'), 'utf8');
    expect(text).not.toMatch(/null/);
    const values = (await lines(join(dir, 'm.jsonl'))).map((line) => (line as { value: unknown }).value);
    expect(values).toEqual(['NaN', 'Infinity', '-Infinity']);
  });

  it('keeps every record, in order, across many background batches', async () => {
    const dir = await tempDir();
    const sink = new JsonlSink(join(dir, 'big.jsonl'));
    await sink.open();
    const count = 25_000;
    for (let i = 0; i < count; i++) sink.write(record(i, 'loss', i / 7));
    await sink.close();
    const parsed = (await lines(join(dir, 'big.jsonl'))) as { step: number; value: number }[];
    expect(parsed).toHaveLength(count);
    expect(parsed.every((line, i) => line.step === i && line.value === i / 7)).toBe(true);
  });

  it('creates missing folders, truncates an old file, and leaves an empty file for a run without records', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a', 'b', 'metrics.jsonl');
    const first = new JsonlSink(path);
    await first.open();
    first.write(record(0, 'loss', 1));
    await first.close();
    const second = jsonlSink.create({ path: 'a/b/metrics.jsonl' }, sinkContext(dir));
    await second.open?.({ run: 'run-1', name: 'test', totalSteps: 1, outDir: dir });
    await second.close?.(summary());
    expect(await readFile(path, 'utf8')).toBe('');
  });

  it('resolves a relative path against the working directory when the run has no directory', async () => {
    const dir = await tempDir();
    vi.spyOn(process, 'cwd').mockReturnValue(dir);
    const sink = jsonlSink.create({ path: 'here.jsonl' }, sinkContext(undefined));
    sink.write(record(0, 'loss', 2));
    await sink.close?.(summary());
    expect(await lines(join(dir, 'here.jsonl'))).toEqual([{ run: 'run-1', step: 0, name: 'loss', value: 2 }]);
  });

  it('writes nothing before flush (buffered) and rejects a failed write on flush and close', async () => {
    const dir = await tempDir();
    const path = join(dir, 'buffered.jsonl');
    const sink = new JsonlSink(path);
    await sink.open();
    sink.write(record(0, 'loss', 1));
    expect(await readFile(path, 'utf8')).toBe('');
    await sink.flush();
    expect(await readFile(path, 'utf8')).not.toBe('');
    await sink.close();

    // A path below a regular file cannot be opened.
    const broken = new JsonlSink(join(path, 'below-a-file.jsonl'));
    broken.write(record(0, 'loss', 1));
    await expect(broken.flush()).rejects.toThrow();
    await expect(broken.close()).rejects.toThrow();
    expect(existsSync(join(path, 'below-a-file.jsonl'))).toBe(false);
  });
});
