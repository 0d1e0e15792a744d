import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineSink, type MetricRecord, type Sink } from '@tdlab/core';
import { type } from 'arktype';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * Metric records as one Parquet file, written with hyparquet-writer: columns `run` (string),
 * `step` (int32), `arm` (string, null without arms), `name` (string), `index` (int32, null on
 * scalar metrics) and `value` (double, NaN and ±Infinity as they are) — the columns of the arrow
 * and csv sinks. Strings are dictionary-encoded by the writer, pages snappy-compressed.
 *
 * A Parquet file is only readable once its footer is written, so the records are kept in memory
 * (as columns) and the whole file is written at close(); flush() writes nothing. The runner always
 * calls close — on completion, on error and on Ctrl-C — so a cancelled run still leaves a complete
 * file holding every record emitted before the cancel. (A process killed outright leaves none.)
 */
export class ParquetSink implements Sink {
  private readonly runs: string[] = [];
  private readonly steps: number[] = [];
  private readonly arms: (string | null)[] = [];
  private readonly names: string[] = [];
  private readonly indices: (number | null)[] = [];
  private readonly values: number[] = [];
  private closed = false;

  constructor(readonly path: string) {}

  /** Creates the file's folder, so a bad path fails before the run starts. */
  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
  }

  write(record: MetricRecord): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    this.runs.push(record.run);
    this.steps.push(record.step);
    this.arms.push(record.arm ?? null);
    this.names.push(record.name);
    this.indices.push(record.index ?? null);
    this.values.push(record.value);
  }

  /** Writes the file: every record so far. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'run', data: this.runs, type: 'STRING', nullable: false },
        { name: 'step', data: Int32Array.from(this.steps), type: 'INT32', nullable: false },
        { name: 'arm', data: this.arms, type: 'STRING' },
        { name: 'name', data: this.names, type: 'STRING', nullable: false },
        { name: 'index', data: this.indices, type: 'INT32' },
        { name: 'value', data: Float64Array.from(this.values), type: 'DOUBLE', nullable: false },
      ],
      createdBy: 'tdlab (hyparquet-writer)',
    });
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, new Uint8Array(buffer));
  }
}

/** `sinks: [{ use: parquet, path: metrics.parquet }]`; a relative path is resolved in the run directory. */
export const parquetSink = defineSink({
  id: 'parquet',
  description: 'Metric records as one Parquet file (run, step, arm, name, index, value), written when the run ends',
  options: type({ path: "string > 0 = 'metrics.parquet'" }),
  create: ({ path }, context) => new ParquetSink(resolve(context.outDir ?? process.cwd(), path)),
});
