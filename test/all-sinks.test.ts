// Issue 8: one study writes every first-party sink at once — files, streams and endpoints — and
// each output is read back by a reader other than its writer.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from '@uwdata/flechette';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { kernel } from './support.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The payload lengths of a TFRecord file, read by its framing (u64 length, u32 crc, data, u32 crc). */
function tfrecordLengths(bytes: Buffer): number[] {
  const lengths: number[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const length = Number(bytes.readBigUInt64LE(offset));
    lengths.push(length);
    offset += 8 + 4 + length + 4;
  }
  return lengths;
}

describe('every sink in one study', () => {
  it('jsonl, csv, arrow, parquet, tensorboard, live-stream and prometheus all receive the whole run', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'tdlab-all-sinks-'));
    dirs.push(outDir);
    const spec = {
      name: 'all-sinks',
      seed: 0,
      data: { use: 'single-example', x: [1], y: 0 },
      model: { use: 'uv', width: 100 },
      loss: { use: 'mse', reduction: 'sum', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: { normalized: 3 } },
      steps: 50,
      probes: [{ use: 'loss' }, { use: 'normalized-lr' }],
      sinks: [
        { use: 'jsonl', path: 'metrics.jsonl' },
        { use: 'csv', path: 'metrics.csv' },
        { use: 'arrow' },
        { use: 'parquet' },
        { use: 'tensorboard' },
        { use: 'live-stream' },
        { use: 'prometheus' },
      ],
    };
    const summary = await kernel.execute(spec, { outDir });
    expect(summary.outcome).toBe('max-steps');
    const jsonl = readFileSync(join(outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { name: string; step: number });
    expect(jsonl).toHaveLength(2 * 51);
    expect(readFileSync(join(outDir, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 2 * 51);
    const arrowRows = tableFromIPC(new Uint8Array(readFileSync(join(outDir, 'metrics.arrows')))).toArray() as { name: string; step: number }[];
    expect(arrowRows.map((row) => [row.step, row.name])).toEqual(jsonl.map((row) => [row.step, row.name]));
    const parquetRows = (await parquetReadObjects({ file: new Uint8Array(readFileSync(join(outDir, 'metrics.parquet'))).buffer })) as { name: string; step: number }[];
    expect(parquetRows.map((row) => [row.step, row.name])).toEqual(jsonl.map((row) => [row.step, row.name]));
    const events = readdirSync(join(outDir, 'tensorboard')).filter((file) => file.startsWith('events.out.tfevents.'));
    expect(events).toHaveLength(1);
    // file_version, the hparams session start and end, and one event per record at least.
    expect(tfrecordLengths(readFileSync(join(outDir, 'tensorboard', events[0]))).length).toBeGreaterThanOrEqual(1 + 2 + 2 * 51);
    for (const endpoint of ['live-stream.url', 'prometheus.url']) {
      expect(existsSync(join(outDir, endpoint))).toBe(true);
      // The servers are closed with the run: their ports refuse connections.
      const url = readFileSync(join(outDir, endpoint), 'utf8').trim();
      await expect(fetch(url)).rejects.toThrow();
    }
  });
});
