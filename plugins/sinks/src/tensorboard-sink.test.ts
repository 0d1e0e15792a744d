import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32c as referenceCrc32c } from '@node-rs/crc32';
import {
  definePlugin,
  defineProbe,
  type MetricRecord,
  ProbeContribution,
  type RunContext,
  type Sink,
  sampledProbe,
  type StudySpec,
  Tdlab,
} from '@tdlab/core';
import { type } from 'arktype';
import { ContainerModule } from 'inversify';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bindTrainingParts, record, removeTempDirs, sinkContext, summary, tempDir } from '../test/support.js';
import { crc32c, maskedCrc32c } from './crc32c.js';
import sinksPlugin from './index.js';
import { TensorBoardSink, tensorboardSink } from './tensorboard-sink.js';

afterAll(removeTempDirs);

/*
 * The reader of these tests shares no code with the writer: TFRecord framing is checked with an
 * independent CRC-32C (@node-rs/crc32, hardware or SIMD) and the payloads are decoded by protobufjs
 * with TensorBoard's message definitions (test/tensorboard-protos).
 */

const protoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../test/tensorboard-protos');
const schema = new protobuf.Root();
// (google.protobuf.Value comes from protobufjs's bundled definition, whose fields are camelCase: numberValue, ….)
// Imports are resolved from the schema folder, as TensorBoard's own paths; google/* ship with protobufjs.
schema.resolvePath = (origin, target) => (target.startsWith('google/') ? protobuf.util.path.resolve(origin, target) : join(protoDir, target));
schema.loadSync(['tensorboard/compat/proto/event.proto', 'tensorboard/plugins/hparams/plugin_data.proto'], { keepCase: true });
const EventType = schema.lookupType('tensorboard.Event');
const PluginDataType = schema.lookupType('tensorboard.hparams.HParamsPluginData');

interface DecodedValue {
  tag: string;
  simple_value?: number;
  metadata?: { plugin_data?: { plugin_name: string; content: Uint8Array }; data_class?: string };
  tensor?: { dtype: string; tensor_shape?: { dim?: unknown[] }; float_val: number[] };
}
interface DecodedEvent {
  wall_time: number;
  step?: number;
  file_version?: string;
  summary?: { value: DecodedValue[] };
}
interface DecodedPluginData {
  version?: number;
  session_start_info?: { hparams: Record<string, { numberValue?: number; stringValue?: string; boolValue?: boolean }>; start_time_secs: number };
  session_end_info?: { status?: string; end_time_secs: number };
}

const toObject = { longs: Number, enums: String, bytes: Buffer, arrays: true, objects: true };
const mask = (crc: number): number => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** The records of a TFRecord file, each frame checked: length, masked CRC of the length, masked CRC of the data. */
function tfRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < file.length) {
    expect(file.length - offset).toBeGreaterThanOrEqual(16);
    const lengthBytes = file.subarray(offset, offset + 8);
    const length = Number(lengthBytes.readBigUInt64LE(0));
    expect(file.readUInt32LE(offset + 8)).toBe(mask(referenceCrc32c(lengthBytes)));
    const data = file.subarray(offset + 12, offset + 12 + length);
    expect(data.length).toBe(length);
    expect(file.readUInt32LE(offset + 12 + length)).toBe(mask(referenceCrc32c(data)));
    records.push(data);
    offset += 12 + length + 4;
  }
  return records;
}

const decodeEvent = (data: Uint8Array): DecodedEvent => EventType.toObject(EventType.decode(data), toObject) as DecodedEvent;
const decodePluginData = (content: Uint8Array): DecodedPluginData =>
  PluginDataType.toObject(PluginDataType.decode(content), { ...toObject, defaults: true }) as DecodedPluginData;

/** The only event file in a folder, checked for TensorBoard's naming. */
async function eventFile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((name) => name.includes('tfevents'));
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  return join(dir, files[0]);
}

const readEvents = async (path: string): Promise<DecodedEvent[]> => tfRecords(await readFile(path)).map(decodeEvent);

const scalars = (events: DecodedEvent[]) =>
  events.filter((event) => event.summary?.value[0]?.simple_value !== undefined).map((event) => [event.step ?? 0, event.summary!.value[0].tag, event.summary!.value[0].simple_value]);

const hparamsData = (events: DecodedEvent[], tag: string): DecodedPluginData[] =>
  events
    .flatMap((event) => event.summary?.value ?? [])
    .filter((value) => value.tag === tag)
    .map((value) => {
      expect(value.metadata?.plugin_data?.plugin_name).toBe('hparams');
      return decodePluginData(value.metadata!.plugin_data!.content);
    });

const spec = {
  name: 'uv-catapult',
  seed: 7,
  data: { use: 'gaussian', n: 16 },
  model: { use: 'uv', width: 1024 },
  loss: { use: 'mse', reduction: 'mean', half: true },
  optimizer: { use: 'gd' },
  schedule: { use: 'constant', lr: { normalized: 3 } },
  steps: 100,
  probes: [{ use: 'loss' }],
  sinks: [{ use: 'tensorboard' }],
} as unknown as StudySpec;

const contextWith = (outDir: string, studySpec: StudySpec): RunContext => ({ ...sinkContext(outDir), spec: studySpec });

describe('crc32c', () => {
  it('has the standard check value and agrees with an independent implementation', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array())).toBe(0);
    for (const length of [1, 7, 8, 63, 1000]) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 131 + length) & 0xff));
      expect(crc32c(bytes)).toBe(referenceCrc32c(bytes));
      expect(maskedCrc32c(bytes)).toBe(mask(referenceCrc32c(bytes)));
    }
  });
});

describe('tensorboard sink', () => {
  it('defaults to tensorboard/ with hparams', () => {
    expect(tensorboardSink.options({})).toEqual({ dir: 'tensorboard', hparams: true });
    expect(tensorboardSink.options({ dir: '' })).toBeInstanceOf(type.errors);
    expect(tensorboardSink.options({ hparams: 'yes' })).toBeInstanceOf(type.errors);
  });

  it('writes an event file TensorBoard’s schema decodes: file version, hparams, scalars by step and wall time', async () => {
    const outDir = await tempDir();
    let clock = 1_700_000_000.25;
    const sink = new TensorBoardSink({ dir: join(outDir, 'tensorboard'), hparams: true, spec, now: () => (clock += 0.5) });
    await sink.open({ run: 'run-1', name: 'uv-catapult', totalSteps: 100, outDir });
    sink.write(record(0, 'loss', 0));
    sink.write(record(0, 'ntk_eigenvalues', 2.5, 0));
    sink.write(record(0, 'ntk_eigenvalues', 0.1, 3));
    sink.write(record(1, 'loss', Number.NaN));
    sink.write(record(2, 'loss', Number.POSITIVE_INFINITY));
    sink.write(record(2, 'normalized_lr', Number.NEGATIVE_INFINITY));
    sink.write(record(3_000_000_000, 'loss', 1e-30));
    await sink.close(summary({ outcome: 'max-steps' }));

    const events = await readEvents(await eventFile(join(outDir, 'tensorboard')));
    expect(events[0]).toEqual({ wall_time: 1_700_000_000.75, file_version: 'brain.Event:2' });
    expect(scalars(events)).toEqual([
      [0, 'loss', 0],
      [0, 'ntk_eigenvalues/0', 2.5],
      [0, 'ntk_eigenvalues/3', Math.fround(0.1)],
      [1, 'loss', Number.NaN],
      [2, 'loss', Number.POSITIVE_INFINITY],
      [2, 'normalized_lr', Number.NEGATIVE_INFINITY],
      [3_000_000_000, 'loss', Math.fround(1e-30)],
    ]);
    const wallTimes = events.map((event) => event.wall_time);
    expect(wallTimes).toEqual([...wallTimes].sort((a, b) => a - b));
    expect(new Set(wallTimes.slice(2)).size).toBe(wallTimes.length - 2);

    const [start] = hparamsData(events, '_hparams_/session_start_info');
    expect(start.version).toBe(0);
    expect(start.session_start_info?.start_time_secs).toBe(1_700_000_000.75);
    expect(start.session_start_info?.hparams).toEqual({
      name: { stringValue: 'uv-catapult' },
      seed: { numberValue: 7 },
      'data.use': { stringValue: 'gaussian' },
      'data.n': { numberValue: 16 },
      'model.use': { stringValue: 'uv' },
      'model.width': { numberValue: 1024 },
      'loss.use': { stringValue: 'mse' },
      'loss.reduction': { stringValue: 'mean' },
      'loss.half': { boolValue: true },
      'optimizer.use': { stringValue: 'gd' },
      'schedule.use': { stringValue: 'constant' },
      'schedule.lr.normalized': { numberValue: 3 },
      steps: { numberValue: 100 },
    });
    // The hparams values carry the plugin's rank-0 float tensor, as TensorBoard's own hparams summaries do.
    const startValue = events[1].summary!.value[0];
    expect(startValue.metadata?.data_class).toBe('DATA_CLASS_TENSOR');
    expect(startValue.tensor).toMatchObject({ dtype: 'DT_FLOAT', tensor_shape: { dim: [] }, float_val: [0] });

    const [end] = hparamsData(events, '_hparams_/session_end_info');
    expect(end.session_end_info?.status).toBe('STATUS_SUCCESS');
    expect(end.session_end_info?.end_time_secs).toBe(wallTimes.at(-1));
    expect(events.at(-1)?.summary?.value[0].tag).toBe('_hparams_/session_end_info');
  });

  it('maps the outcome to the hparams status, and leaves hparams out on request', async () => {
    const statuses: Record<string, string> = {};
    for (const outcome of ['converged', 'diverged', 'cancelled'] as const) {
      const dir = await tempDir();
      const sink = new TensorBoardSink({ dir, hparams: true, spec });
      await sink.open();
      await sink.close(summary({ outcome }));
      const [end] = hparamsData(await readEvents(await eventFile(dir)), '_hparams_/session_end_info');
      statuses[outcome] = end.session_end_info!.status!;
    }
    expect(statuses).toEqual({ converged: 'STATUS_SUCCESS', diverged: 'STATUS_FAILURE', cancelled: 'STATUS_UNKNOWN' });

    const dir = await tempDir();
    const plain = new TensorBoardSink({ dir, hparams: false, spec });
    await plain.open();
    plain.write(record(4, 'loss', 0.5));
    await plain.close(summary());
    const events = await readEvents(await eventFile(dir));
    expect(events.map((event) => event.file_version ?? event.summary?.value[0].tag)).toEqual(['brain.Event:2', 'loss']);
  });

  it('resolves a relative dir in the run directory', async () => {
    const outDir = await tempDir();
    const sink = tensorboardSink.create(tensorboardSink.options.assert({ dir: 'tb/logs' }), contextWith(outDir, spec));
    await sink.open?.({ run: 'run-1', name: 'x', totalSteps: 1, outDir });
    sink.write(record(0, 'loss', 1));
    await sink.close?.(summary());
    expect(scalars(await readEvents(await eventFile(join(outDir, 'tb', 'logs'))))).toEqual([[0, 'loss', 1]]);
  });

  it('writes one run per arm, named by the arm, with the arm’s model among its hparams', async () => {
    const outDir = await tempDir();
    const armed = { ...spec, arms: { quadratic: { use: 'quadratic', base: { use: 'uv', width: 1024 } } } } as unknown as StudySpec;
    const sink = tensorboardSink.create(tensorboardSink.options.assert({}), contextWith(outDir, armed));
    await sink.open?.({ run: 'run-1', name: 'x', totalSteps: 10, outDir, arms: ['model', 'quadratic'] });
    const arm = (step: number, name: string, value: number, armName: string): MetricRecord => ({ ...record(step, name, value), arm: armName });
    sink.write(arm(0, 'loss', 1, 'model'));
    sink.write(arm(0, 'loss', 2, 'quadratic'));
    sink.write(arm(1, 'loss', 3, 'quadratic'));
    const model = summary({ outcome: 'max-steps' });
    await sink.close?.(summary({ arms: { model, quadratic: { ...model, outcome: 'diverged' } } }));

    const root = join(outDir, 'tensorboard');
    expect((await readdir(root)).sort()).toEqual(['model', 'quadratic']);
    const modelEvents = await readEvents(await eventFile(join(root, 'model')));
    const quadraticEvents = await readEvents(await eventFile(join(root, 'quadratic')));
    expect(scalars(modelEvents)).toEqual([[0, 'loss', 1]]);
    expect(scalars(quadraticEvents)).toEqual([
      [0, 'loss', 2],
      [1, 'loss', 3],
    ]);
    const hparams = (events: DecodedEvent[]) => hparamsData(events, '_hparams_/session_start_info')[0].session_start_info!.hparams;
    expect(hparams(modelEvents)).toMatchObject({ arm: { stringValue: 'model' }, 'model.use': { stringValue: 'uv' }, 'model.width': { numberValue: 1024 } });
    expect(hparams(quadraticEvents)).toMatchObject({
      arm: { stringValue: 'quadratic' },
      'model.use': { stringValue: 'quadratic' },
      'model.base.width': { numberValue: 1024 },
    });
    expect(hparams(quadraticEvents)['model.width']).toBeUndefined();
    const status = (events: DecodedEvent[]) => hparamsData(events, '_hparams_/session_end_info')[0].session_end_info!.status;
    expect([status(modelEvents), status(quadraticEvents)]).toEqual(['STATUS_SUCCESS', 'STATUS_FAILURE']);
  });

  it('buffers in memory until flush, and keeps every record in order across background batches', async () => {
    const dir = await tempDir();
    const sink = new TensorBoardSink({ dir, hparams: false });
    await sink.open();
    const path = await eventFile(dir);
    sink.write(record(0, 'loss', 1));
    expect((await stat(path)).size).toBe(0);
    await sink.flush();
    expect(scalars(await readEvents(path))).toEqual([[0, 'loss', 1]]);
    const count = 10_000;
    for (let step = 1; step <= count; step++) sink.write(record(step, 'loss', step));
    await sink.close(summary());
    const steps = scalars(await readEvents(path)).map(([step]) => step);
    expect(steps).toEqual(Array.from({ length: count + 1 }, (_, i) => i));
  });

  it('rejects a write after close; closing twice writes nothing more', async () => {
    const dir = await tempDir();
    const sink = new TensorBoardSink({ dir, hparams: true });
    await sink.open();
    await sink.close(summary());
    await sink.close(summary()); // a second close is a no-op
    expect(() => sink.write(record(0, 'loss', 1))).toThrow(/after close/);
    expect(hparamsData(await readEvents(await eventFile(dir)), '_hparams_/session_end_info')).toHaveLength(1);
  });
});

const testPlugin = definePlugin({
  name: 'tensorboard-e2e-test-plugin',
  version: '1.0.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bindTrainingParts(bind);
    bind(ProbeContribution).toConstantValue(
      defineProbe({
        id: 'loss-and-nan',
        description: 'the loss, and a NaN vector component',
        options: type({}),
        create: (_o, context) =>
          sampledProbe(context.every, (event, emit) => {
            emit('loss', event.loss);
            emit('odd', Number.NaN, 1);
          }),
      }),
    );
  }),
});

const study = (steps: number) => ({
  name: 'tensorboard-e2e',
  seed: 0,
  data: { use: 'two-points' },
  model: { use: 'linear' },
  loss: { use: 'mse', reduction: 'sum', half: true },
  optimizer: { use: 'gd' },
  schedule: { use: 'constant', lr: { normalized: 1.5 } },
  steps,
  probes: [{ use: 'loss-and-nan', every: 5 }],
  sinks: [{ use: 'tensorboard' }],
});

describe('the tensorboard sink in a real run of the core', () => {
  it('is known to the core, which rejects an unknown option, naming it', () => {
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    expect(() => tdlab.validate({ ...study(1), sinks: [{ use: 'tensorboard' }] })).not.toThrow();
    expect(() => tdlab.validate({ ...study(1), sinks: [{ use: 'tensorboard', logdir: 'x' }] })).toThrow(/logdir/);
  });

  it('writes the run’s scalars and hparams into <run dir>/tensorboard', async () => {
    const outDir = await tempDir();
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    const result = await tdlab.execute(study(20), { outDir });
    expect(result.outcome).toBe('max-steps');
    const events = await readEvents(await eventFile(join(outDir, 'tensorboard')));
    expect(events[0].file_version).toBe('brain.Event:2');
    const rows = scalars(events);
    expect(rows.filter(([, tag]) => tag === 'loss').map(([step]) => step)).toEqual([0, 5, 10, 15, 20]);
    // x = (1, 0), (0, 2), θ₀ = 1: f = (1, 2), loss ½(1 + 4).
    expect(rows[0]).toEqual([0, 'loss', 2.5]);
    expect(rows.filter(([, tag]) => tag === 'odd/1').every(([, , value]) => Number.isNaN(value))).toBe(true);
    const [start] = hparamsData(events, '_hparams_/session_start_info');
    expect(start.session_start_info?.hparams).toMatchObject({
      seed: { numberValue: 0 },
      'model.use': { stringValue: 'linear' },
      'schedule.lr.normalized': { numberValue: 1.5 },
      steps: { numberValue: 20 },
    });
    const [end] = hparamsData(events, '_hparams_/session_end_info');
    expect(end.session_end_info?.status).toBe('STATUS_SUCCESS');
  });

  it('leaves a complete, readable file when the run is aborted (Ctrl-C)', async () => {
    const outDir = await tempDir();
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    const controller = new AbortController();
    // Abort from inside the run once step 50 is measured, as a SIGINT handler would.
    const aborter: Sink = { write: (r) => (r.step >= 50 ? controller.abort() : undefined) };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let result;
    try {
      result = await tdlab.execute(study(1_000_000), { outDir, signal: controller.signal, extraSinks: [aborter] });
    } finally {
      stderr.mockRestore();
    }
    expect(result.outcome).toBe('cancelled');
    const events = await readEvents(await eventFile(join(outDir, 'tensorboard')));
    const lossSteps = scalars(events)
      .filter(([, tag]) => tag === 'loss')
      .map(([step]) => step);
    expect(lossSteps[0]).toBe(0);
    expect(lossSteps.at(-1)).toBeGreaterThanOrEqual(50);
    expect(lossSteps.at(-1)).toBeLessThan(1_000_000);
    const [end] = hparamsData(events, '_hparams_/session_end_info');
    expect(end.session_end_info?.status).toBe('STATUS_UNKNOWN');
  });
});
