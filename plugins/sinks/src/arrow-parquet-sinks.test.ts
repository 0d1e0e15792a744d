import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { definePlugin, defineProbe, type MetricRecord, ProbeContribution, sampledProbe, StudySpecError, Tdlab } from '@tdlab/core';
import { tableFromIPC as flechetteTable } from '@uwdata/flechette';
import { RecordBatchStreamReader, Type } from 'apache-arrow';
import { type } from 'arktype';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { ContainerModule } from 'inversify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bindTrainingParts, removeTempDirs, sinkContext, tempDir } from '../test/support.js';
import { ARROW_BATCH_ROWS, ArrowSink, arrowSink } from './arrow-sink.js';
import sinksPlugin from './index.js';
import { ParquetSink } from './parquet-sink.js';

afterAll(removeTempDirs);

/** A record as every reader below gives it back: absent arm and index as null. */
interface Row {
  run: string;
  step: number;
  arm: string | null;
  name: string;
  index: number | null;
  value: number;
}

const row = (record: MetricRecord): Row => ({
  run: record.run,
  step: record.step,
  arm: record.arm ?? null,
  name: record.name,
  index: record.index ?? null,
  value: record.value,
});

/** Records with arms, vector components, and the three non-finite values. */
function sampleRecords(): MetricRecord[] {
  return [
    { run: 'r', step: 0, arm: 'model', name: 'loss', value: 2.5 },
    { run: 'r', step: 0, arm: 'quadratic', name: 'loss', value: 2.25 },
    { run: 'r', step: 0, name: 'ntk_eigenvalues', index: 0, value: 4 },
    { run: 'r', step: 0, name: 'ntk_eigenvalues', index: 1, value: 1e-300 },
    { run: 'r', step: 7, arm: 'model', name: 'odd', index: 0, value: Number.NaN },
    { run: 'r', step: 7, arm: 'model', name: 'odd', index: 1, value: Number.POSITIVE_INFINITY },
    { run: 'r', step: 7, name: 'odd', index: 2, value: Number.NEGATIVE_INFINITY },
    { run: 'r', step: 2_000_000, name: 'loss', value: -0 },
  ];
}

/** A message of an Arrow IPC stream, read by hand from its framing. */
interface FramedMessage {
  /** MessageHeader: 1 Schema, 2 DictionaryBatch, 3 RecordBatch. */
  headerType: number;
  metadataLength: number;
  bodyLength: number;
}

/**
 * Walks an IPC stream's framing without any Arrow library: each message is the continuation
 * marker 0xFFFFFFFF, an int32 metadata length (a multiple of 8), a flatbuffer `Message` of that
 * length and a body of `Message.bodyLength` bytes; the stream ends with 0xFFFFFFFF 0x00000000.
 * Reads `header_type` (field 1) and `bodyLength` (field 3) of each flatbuffer by hand. Returns
 * the messages and where the end-of-stream marker ends.
 */
function walkStream(bytes: Uint8Array): { messages: FramedMessage[]; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: FramedMessage[] = [];
  let offset = 0;
  for (;;) {
    expect(offset % 8).toBe(0);
    expect(offset + 8).toBeLessThanOrEqual(bytes.byteLength);
    expect(view.getUint32(offset, true)).toBe(0xffffffff);
    const metadataLength = view.getInt32(offset + 4, true);
    offset += 8;
    if (metadataLength === 0) return { messages, end: offset };
    expect(metadataLength % 8).toBe(0);
    // The flatbuffer: root table offset, then the table's vtable (soffset back from the table).
    const table = offset + view.getUint32(offset, true);
    const vtable = table - view.getInt32(table, true);
    const vtableSize = view.getUint16(vtable, true);
    const field = (id: number): number => {
      const at = 4 + 2 * id;
      return at < vtableSize ? view.getUint16(vtable + at, true) : 0;
    };
    const headerType = field(1) === 0 ? 0 : view.getUint8(table + field(1));
    const bodyLength = field(3) === 0 ? 0 : Number(view.getBigInt64(table + field(3), true));
    expect(field(0)).not.toBe(0);
    expect(view.getInt16(table + field(0), true)).toBe(4); // MetadataVersion V5
    messages.push({ headerType, metadataLength, bodyLength });
    expect(bodyLength % 8).toBe(0);
    offset += metadataLength + bodyLength;
  }
}

/** The stream's rows, decoded by flechette (an implementation independent of the writer). */
function flechetteRows(bytes: Uint8Array): Row[] {
  return flechetteTable(bytes).toArray() as unknown as Row[];
}

/** The stream's rows and schema, decoded by apache-arrow's RecordBatchStreamReader. */
function arrowReaderRows(bytes: Uint8Array): { rows: Row[]; types: Record<string, Type>; nullable: Record<string, boolean>; batches: number } {
  const reader = RecordBatchStreamReader.from(bytes).open();
  // Read before iterating: the reader lets go of its schema once the stream has ended.
  const fields = reader.schema.fields;
  const rows: Row[] = [];
  let batches = 0;
  for (const batch of reader) {
    batches++;
    for (const item of batch) rows.push(item!.toJSON() as unknown as Row);
  }
  return {
    rows,
    batches,
    types: Object.fromEntries(fields.map((f) => [f.name, f.typeId])),
    nullable: Object.fromEntries(fields.map((f) => [f.name, f.nullable])),
  };
}

/** A buffer standing for stdout. */
class BinaryOutput extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    callback();
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

describe('arrow sink', () => {
  it('writes an IPC stream that flechette and apache-arrow read back: rows, types, nulls, NaN and ±Infinity', async () => {
    const dir = await tempDir();
    const sink = arrowSink.create({ path: 'out/metrics.arrows' }, sinkContext(dir)) as ArrowSink;
    expect(sink.path).toBe(join(dir, 'out', 'metrics.arrows'));
    const records = sampleRecords();
    await sink.open();
    // Two flushes: two record batches, the second bringing a new name (a delta dictionary batch).
    for (const record of records.slice(0, 4)) sink.write(record);
    await sink.flush();
    for (const record of records.slice(4)) sink.write(record);
    await sink.flush();
    await sink.close();
    const bytes = new Uint8Array(await readFile(sink.path));

    const { messages, end } = walkStream(bytes);
    expect(end).toBe(bytes.byteLength);
    // Schema; dictionaries run and name, batch 1; name delta ('odd'), batch 2.
    expect(messages.map((m) => m.headerType)).toEqual([1, 2, 2, 3, 2, 3]);
    expect(messages[0].bodyLength).toBe(0);

    const expected = records.map(row);
    const independent = flechetteRows(bytes);
    expect(independent).toEqual(expected);
    expect(Object.is(independent[7].value, -0)).toBe(true);

    const read = arrowReaderRows(bytes);
    expect(read.rows).toEqual(expected);
    expect(read.batches).toBe(2);
    expect(read.types).toEqual({ run: Type.Dictionary, step: Type.Int, arm: Type.Utf8, name: Type.Dictionary, index: Type.Int, value: Type.Float });
    expect(read.nullable).toEqual({ run: false, step: false, arm: true, name: false, index: true, value: false });
  });

  it(`writes a batch every ${ARROW_BATCH_ROWS} records, and a readable empty stream for a run without records`, async () => {
    const dir = await tempDir();
    const sink = new ArrowSink(join(dir, 'big.arrows'));
    await sink.open();
    const records: MetricRecord[] = [];
    for (let step = 0; step < ARROW_BATCH_ROWS + 10; step++) records.push({ run: 'r', step, name: step % 2 ? 'a' : 'b', value: step / 3 });
    for (const record of records) sink.write(record);
    await sink.close(); // close flushes
    const bytes = new Uint8Array(await readFile(sink.path));
    expect(walkStream(bytes).messages.filter((m) => m.headerType === 3)).toHaveLength(2);
    expect(flechetteRows(bytes)).toEqual(records.map(row));

    const empty = new ArrowSink(join(dir, 'empty.arrows'));
    await empty.open();
    await empty.flush();
    await empty.close();
    const none = new Uint8Array(await readFile(empty.path));
    expect(walkStream(none).messages.map((m) => m.headerType)).toEqual([1]);
    expect(flechetteRows(none)).toEqual([]);
    expect(arrowReaderRows(none).rows).toEqual([]);
  });

  it("with path '-' writes the stream to stdout, the schema as soon as it opens", async () => {
    const stdout = new BinaryOutput();
    const sink = new ArrowSink('-', stdout);
    await sink.open();
    expect(walkStream(Uint8Array.from([...stdout.bytes(), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])).messages.map((m) => m.headerType)).toEqual([1]);
    for (const record of sampleRecords()) sink.write(record);
    await sink.flush();
    await sink.close();
    expect(flechetteRows(stdout.bytes())).toEqual(sampleRecords().map(row));
    expect(stdout.listenerCount('error')).toBe(0);
  });

  it("rejects path '-' next to a console sink (both would write to stdout)", () => {
    const context = { ...sinkContext(undefined), spec: { sinks: [{ use: 'console' }, { use: 'arrow', path: '-' }] } as never };
    expect(() => arrowSink.create({ path: '-' }, context)).toThrow(StudySpecError);
    expect(() => arrowSink.create({ path: '-' }, context)).toThrow(/sinks\[0\]: the console sink prints on stdout/);
    const alone = { ...sinkContext(undefined), spec: { sinks: [{ use: 'jsonl' }, { use: 'arrow', path: '-' }] } as never };
    expect(arrowSink.create({ path: '-' }, alone)).toBeInstanceOf(ArrowSink);
  });
});

describe('parquet sink', () => {
  it('writes one Parquet file that hyparquet reads back: rows, column types, nulls, NaN and ±Infinity', async () => {
    const dir = await tempDir();
    const sink = new ParquetSink(join(dir, 'tables', 'metrics.parquet'));
    await sink.open();
    const records = sampleRecords();
    for (const record of records) sink.write(record);
    await sink.close();
    const bytes = await readFile(sink.path);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file })) as Row[];
    expect(rows).toEqual(records.map(row));
    expect(Object.is(rows[7].value, -0)).toBe(true);
    const schema = parquetSchema(parquetMetadata(file));
    expect(
      schema.children.map(({ element }) => [element.name, element.type, element.converted_type ?? null, element.repetition_type]),
    ).toEqual([
      ['run', 'BYTE_ARRAY', 'UTF8', 'REQUIRED'],
      ['step', 'INT32', null, 'REQUIRED'],
      ['arm', 'BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      ['name', 'BYTE_ARRAY', 'UTF8', 'REQUIRED'],
      ['index', 'INT32', null, 'OPTIONAL'],
      ['value', 'DOUBLE', null, 'REQUIRED'],
    ]);
  });

  it('writes a readable file without rows for a run without records', async () => {
    const dir = await tempDir();
    const sink = new ParquetSink(join(dir, 'empty.parquet'));
    await sink.open();
    await sink.close();
    const bytes = await readFile(sink.path);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(await parquetReadObjects({ file })).toEqual([]);
    expect(Number(parquetMetadata(file).num_rows)).toBe(0);
  });
});

/** A linear model on two points, with a probe that emits every step and can stop the run at a step. */
function studyPlugin(abortAt: { step: number; controller: AbortController } | undefined) {
  return definePlugin({
    name: 'arrow-parquet-test-plugin',
    version: '1.0.0',
    coreApi: '^0.1.0',
    module: new ContainerModule(({ bind }) => {
      bindTrainingParts(bind);
      bind(ProbeContribution).toConstantValue(
        defineProbe({
          id: 'every-step',
          description: 'the loss and a three-component vector every step; NaN and ±Infinity every 100 steps',
          options: type({}),
          create: (_o, context) =>
            sampledProbe(context.every, (event, emit) => {
              emit('loss', event.loss);
              emit('vec', event.step, 0);
              emit('vec', event.step % 100 === 0 ? Number.NaN : 1, 1);
              emit('vec', event.step % 100 === 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY, 2);
              if (abortAt !== undefined && event.step === abortAt.step) abortAt.controller.abort();
            }),
        }),
      );
    }),
  });
}

const smallStudy = (steps: number, sinks: unknown[]) => ({
  name: 'arrow-parquet-e2e',
  seed: 0,
  data: { use: 'two-points' },
  model: { use: 'linear' },
  loss: { use: 'mse', reduction: 'sum', half: true },
  optimizer: { use: 'gd' },
  schedule: { use: 'constant', lr: { normalized: 0.5 } },
  steps,
  probes: [{ use: 'every-step', every: 1 }],
  sinks,
});

/** jsonl's rows (the reference: the runner writes every record to every sink). */
async function jsonlRows(path: string): Promise<Row[]> {
  const revive = (value: unknown): number => (value === 'NaN' ? Number.NaN : value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : (value as number));
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const r = JSON.parse(line) as MetricRecord;
      return { run: r.run, step: r.step, arm: r.arm ?? null, name: r.name, index: r.index ?? null, value: revive(r.value) };
    });
}

describe('arrow and parquet sinks in a real run of the core', () => {
  it('a run cancelled mid-way leaves both files readable, holding every record emitted before the cancel', async () => {
    const outDir = await tempDir();
    const controller = new AbortController();
    const tdlab = new Tdlab([studyPlugin({ step: 1500, controller }), sinksPlugin]);
    const result = await tdlab.execute(smallStudy(100_000, [{ use: 'jsonl' }, { use: 'arrow' }, { use: 'parquet', path: 'tables/metrics.parquet' }]), {
      outDir,
      signal: controller.signal,
    });
    expect(result.outcome).toBe('cancelled');

    const reference = await jsonlRows(join(outDir, 'metrics.jsonl'));
    // At least up to the step that cancelled (4 records a step), far fewer than the 100 000 steps.
    expect(reference.length).toBeGreaterThanOrEqual(1501 * 4);
    expect(reference.length).toBeLessThan(100_000);
    expect(reference.some((r) => Number.isNaN(r.value))).toBe(true);

    const arrows = new Uint8Array(await readFile(join(outDir, 'metrics.arrows')));
    const { messages, end } = walkStream(arrows);
    expect(end).toBe(arrows.byteLength);
    expect(messages.filter((m) => m.headerType === 3).length).toBeGreaterThan(1);
    expect(flechetteRows(arrows)).toEqual(reference);
    expect(arrowReaderRows(arrows).rows).toEqual(reference);

    const bytes = await readFile(join(outDir, 'tables', 'metrics.parquet'));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(await parquetReadObjects({ file })).toEqual(reference);
  });

  it("rejects a study streaming arrow to stdout ('-') with a console sink, before anything is written", async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const tdlab = new Tdlab([studyPlugin(undefined), sinksPlugin]);
      await expect(tdlab.execute(smallStudy(3, [{ use: 'console' }, { use: 'arrow', path: '-' }]))).rejects.toThrow(/console sink prints on stdout/);
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
    }
  });
});

describe('tdlab run with an arrow sink on stdout', () => {
  it('pipes a stream that decodes to every record of the run', async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const dir = await tempDir();
    const study = join(dir, 'pipe.yaml');
    const out = join(dir, 'run');
    await writeFile(
      study,
      [
        'name: pipe-uv',
        'seed: 3',
        'data: { use: single-example, x: [1], y: 0 }',
        'model: { use: uv, width: 50 }',
        'loss: { use: mse, reduction: sum, half: true }',
        'optimizer: { use: gd }',
        'schedule: { use: constant, lr: { normalized: 1.5 } }',
        'steps: 200',
        'probes: [{ use: loss }, { use: ntk-top-eigenvalue }]',
        "sinks: [{ use: arrow, path: '-' }]",
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), 'run', study, '--out', out], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    // The CLI's own line goes to stderr when a sink owns stdout.
    expect(stderr).toMatch(/^run directory: .*\n$/);
    expect(code).toBe(0);
    const stdout = new Uint8Array(Buffer.concat(chunks));

    // The stream, framed by hand up to its end-of-stream marker, and nothing after it.
    const { end } = walkStream(stdout);
    expect(end).toBe(stdout.length);
    const stream = stdout.subarray(0, end);
    const reference = await jsonlRows(join(out, 'metrics.jsonl'));
    expect(reference.filter((r) => r.name === 'loss')).toHaveLength(201);
    expect(flechetteRows(stream)).toEqual(reference);
    expect(arrowReaderRows(stream).rows).toEqual(reference);
    // Both readers stop at the marker by themselves, as pyarrow's open_stream does.
    expect(flechetteRows(stdout)).toEqual(reference);
    expect(arrowReaderRows(stdout).rows).toEqual(reference);
  }, 60_000);
});
