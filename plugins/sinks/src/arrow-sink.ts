import { type FileHandle, mkdir, open as openFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineSink, type MetricRecord, type RunContext, type Sink, StudySpecError } from '@tdlab/core';
import {
  AsyncByteQueue,
  Dictionary,
  Field,
  Float64,
  Int32,
  makeBuilder,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Utf8,
  Vector,
  vectorFromArray,
} from 'apache-arrow';
import { type } from 'arktype';

/** Records buffered before a record batch is written without waiting for flush(). */
export const ARROW_BATCH_ROWS = 4096;

/** Dictionary ids of the two dictionary-encoded columns. */
const RUN_DICTIONARY = 0;
const NAME_DICTIONARY = 1;

/**
 * The stream's schema: `run` (dictionary-encoded utf8), `step` (int32), `arm` (utf8, null without
 * arms), `name` (dictionary-encoded utf8), `index` (int32, null on scalar metrics), `value` (float64,
 * NaN and ±Infinity as they are). The same columns, in the same order, as the csv sink.
 */
export function arrowMetricSchema(): Schema {
  return new Schema([
    new Field('run', new Dictionary(new Utf8(), new Int32(), RUN_DICTIONARY), false),
    new Field('step', new Int32(), false),
    new Field('arm', new Utf8(), true),
    new Field('name', new Dictionary(new Utf8(), new Int32(), NAME_DICTIONARY), false),
    new Field('index', new Int32(), true),
    new Field('value', new Float64(), false),
  ]);
}

/**
 * The bytes apache-arrow's writer emits, collected synchronously. The writer writes into an
 * AsyncByteQueue it is given as is (any other sink is piped asynchronously); taking the chunks
 * here lets the sink decide when they reach the file and await that.
 */
class CollectedBytes extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: Uint8Array | ArrayBufferView | ArrayBuffer): void {
    const bytes = value instanceof Uint8Array ? value : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
    // Copied: the chunk reaches the file later, and may be a view of the batch's own arrays.
    if (bytes.byteLength > 0) this.chunks.push(bytes.slice());
  }

  /** The bytes written since the last take. */
  take(): Uint8Array {
    const chunks = this.chunks;
    this.chunks = [];
    const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}

/** Where the stream's bytes go: a file, or the process's stdout. */
interface ByteTarget {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** A file, created (or truncated) with its folder. */
async function fileTarget(path: string): Promise<ByteTarget> {
  await mkdir(dirname(path), { recursive: true });
  const handle: FileHandle = await openFile(path, 'w');
  return {
    write: async (bytes) => {
      await handle.write(bytes);
    },
    close: () => handle.close(),
  };
}

/**
 * The process's stdout. It is never ended (the CLI may still print after the run); a write
 * resolves once Node has handed the bytes to the pipe. An error on stdout (EPIPE: the reader went
 * away) is caught while the sink is open and reported by the sink's next flush/close.
 */
function stdoutTarget(stream: NodeJS.WritableStream): ByteTarget {
  let failure: Error | undefined;
  const explained = (error: Error): Error =>
    (error as NodeJS.ErrnoException).code === 'EPIPE'
      ? new Error('arrow sink: stdout was closed by its reader before the end of the stream (EPIPE)', { cause: error })
      : error;
  const onError = (error: Error): void => {
    failure ??= explained(error);
  };
  stream.on('error', onError);
  return {
    write: (bytes) =>
      new Promise<void>((done, fail) => {
        if (failure !== undefined) {
          fail(failure);
          return;
        }
        stream.write(bytes, (error) => (error ? fail((failure ??= explained(error))) : done()));
      }),
    close: async () => {
      stream.off('error', onError);
      if (failure !== undefined) throw failure;
    },
  };
}

/** One column of dictionary-encoded strings: the indices of a batch and a dictionary that only grows. */
class GrowingDictionary {
  private readonly ids = new Map<string, number>();
  private pending: string[] = [];
  /** The dictionary so far, one chunk per batch that added values (so the writer sends deltas). */
  private dictionary: Vector<Utf8> | undefined;

  constructor(readonly type: Dictionary<Utf8, Int32>) {}

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(value, id);
      this.pending.push(value);
    }
    return id;
  }

  /** The column of a batch: its indices, with the dictionary including every value seen so far. */
  column(indices: Int32Array) {
    if (this.pending.length > 0) {
      const chunk = vectorFromArray(this.pending, new Utf8());
      this.dictionary = this.dictionary === undefined ? chunk : this.dictionary.concat(chunk);
      this.pending = [];
    }
    return makeData({ type: this.type, length: indices.length, nullCount: 0, data: indices, dictionary: this.dictionary });
  }
}

/** A nullable utf8 column. */
function utf8Column(values: readonly (string | null)[]) {
  const builder = makeBuilder({ type: new Utf8(), nullValues: [null] });
  for (const value of values) builder.append(value);
  return builder.finish().flush();
}

/** A validity bitmap (bit set = valid) and its null count. */
function validity(valid: readonly boolean[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(valid.length / 8));
  let nullCount = 0;
  valid.forEach((ok, i) => {
    if (ok) nullBitmap[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  });
  return { nullBitmap, nullCount };
}

/**
 * Metric records as an Apache Arrow IPC stream (the streaming format, `.arrows`; not the
 * random-access file format), written with apache-arrow. The schema is written when the sink
 * opens; records are buffered and written as one record batch every {@link ARROW_BATCH_ROWS}
 * records and on every flush(), so a cancelled run (the runner always flushes and closes) keeps
 * every record written so far. close() writes the end-of-stream marker. The `run` and `name`
 * dictionaries grow as values appear: each batch that brings new values sends them as a delta
 * dictionary batch.
 */
export class ArrowSink implements Sink {
  private readonly schema = arrowMetricSchema();
  private readonly runs = new GrowingDictionary(this.schema.fields[0].type as Dictionary<Utf8, Int32>);
  private readonly names = new GrowingDictionary(this.schema.fields[3].type as Dictionary<Utf8, Int32>);
  private readonly bytes = new CollectedBytes();
  private readonly writer = new RecordBatchStreamWriter();
  private buffered: MetricRecord[] = [];
  private target: Promise<ByteTarget> | undefined;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  private started = false;

  /** `'-'` writes to `stdout` (by default the process's). */
  constructor(
    readonly path: string,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {}

  async open(): Promise<void> {
    // The schema goes out at once, so a reader of a live stream (a pipe) can start.
    this.start();
    this.send();
    await this.pending;
    this.rethrow();
  }

  write(record: MetricRecord): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    this.buffered.push(record);
    if (this.buffered.length >= ARROW_BATCH_ROWS) this.writeBatch();
  }

  async flush(): Promise<void> {
    this.writeBatch();
    await this.pending;
    this.rethrow();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      // The end-of-stream marker (after the schema, if open() never ran).
      this.start();
      this.writer.close();
      this.send();
      await this.pending;
      const target = await this.target?.catch(() => undefined);
      await target?.close();
    }
    this.rethrow();
  }

  /** Writes the schema, once. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    this.writer.reset(this.bytes, this.schema);
  }

  /** Turns the buffered records into one record batch. */
  private writeBatch(): void {
    const records = this.buffered;
    if (records.length === 0) return;
    this.buffered = [];
    this.start();
    const length = records.length;
    const runs = new Int32Array(length);
    const steps = new Int32Array(length);
    const names = new Int32Array(length);
    const indices = new Int32Array(length);
    const values = new Float64Array(length);
    const arms: (string | null)[] = new Array(length);
    records.forEach((record, i) => {
      runs[i] = this.runs.id(record.run);
      steps[i] = record.step;
      arms[i] = record.arm ?? null;
      names[i] = this.names.id(record.name);
      indices[i] = record.index ?? 0;
      values[i] = record.value;
    });
    const fields = this.schema.fields;
    const children = [
      this.runs.column(runs),
      makeData({ type: fields[1].type as Int32, length, nullCount: 0, data: steps }),
      utf8Column(arms),
      this.names.column(names),
      makeData({ type: fields[4].type as Int32, length, data: indices, ...validity(records.map((record) => record.index !== undefined)) }),
      makeData({ type: fields[5].type as Float64, length, nullCount: 0, data: values }),
    ];
    const batch = new RecordBatch(this.schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
    this.writer.write(batch);
    this.send();
  }

  /** Queues the writer's new bytes after the previous ones. */
  private send(): void {
    const bytes = this.bytes.take();
    this.pending = this.pending.then(async () => {
      if (this.failure !== undefined) return;
      try {
        const target = await this.output();
        if (bytes.byteLength > 0) await target.write(bytes);
      } catch (error) {
        this.failure = error;
      }
    });
  }

  private output(): Promise<ByteTarget> {
    this.target ??= this.path === '-' ? Promise.resolve(stdoutTarget(this.stdout)) : fileTarget(this.path);
    return this.target;
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/**
 * `path: '-'` puts the stream on stdout, where the console sink prints too: a study must not
 * list both (nor two sinks streaming to stdout).
 */
function checkStdout(context: RunContext): void {
  const sinks = context.spec.sinks ?? [];
  const streaming = sinks.flatMap((sink, index) => (sink.use === 'arrow' && sink.path === '-' ? [index] : []));
  if (streaming.length === 0) return;
  const issues = sinks.flatMap((sink, index) =>
    sink.use === 'console'
      ? [{ path: `sinks[${index}]`, message: "the console sink prints on stdout, where an arrow sink with path '-' writes its stream: remove one of them" }]
      : [],
  );
  if (streaming.length > 1) issues.push({ path: `sinks[${streaming[1]}]`, message: "only one sink can write its stream to stdout (path '-')" });
  if (issues.length > 0) throw new StudySpecError(issues);
}

/**
 * `sinks: [{ use: arrow, path: metrics.arrows }]`; a relative path is resolved in the run directory,
 * `path: '-'` writes the stream to stdout (`tdlab run study.yaml | python -c "import pyarrow ..."`).
 */
export const arrowSink = defineSink({
  id: 'arrow',
  description: "Metric records as an Apache Arrow IPC stream (run, step, arm, name, index, value); path '-' writes it to stdout",
  options: type({ path: "string > 0 = 'metrics.arrows'" }),
  create: ({ path }, context) => {
    if (path === '-') {
      checkStdout(context);
      return new ArrowSink('-');
    }
    return new ArrowSink(resolve(context.outDir ?? process.cwd(), path));
  },
});
