import { readFile } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import {
  definePlugin,
  defineProbe,
  jsonNumbers,
  ProbeContribution,
  type RunSummary,
  sampledProbe,
  type Sink,
  type StepEvent,
  Tdlab,
} from '@tdlab/core';
import { type } from 'arktype';
import { EventSource } from 'eventsource';
import { ContainerModule } from 'inversify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bindTrainingParts, CapturedOutput, record, removeTempDirs, stepEvent, summary as fakeSummary, tempDir } from '../test/support.js';
import sinksPlugin from './index.js';
import { LiveStreamSink } from './live-stream-sink.js';
import { StepRate } from './prometheus-sink.js';

/** A study that takes its time: the probe busy-waits `ms` on every step, so the run spans many event-loop turns. */
const testPlugin = definePlugin({
  name: 'live-sinks-test-plugin',
  version: '1.0.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bindTrainingParts(bind);
    bind(ProbeContribution).toConstantValue(
      defineProbe({
        id: 'slow-loss',
        description: 'the loss, after a busy wait; three non-finite values on the last step',
        options: type({ ms: 'number >= 0 = 1' }),
        create: ({ ms }, context) =>
          sampledProbe(context.every, (event, emit) => {
            const until = performance.now() + ms;
            while (performance.now() < until);
            emit('loss', event.loss);
            if (event.outcome === undefined) return;
            emit('odd', Number.NaN, 0);
            emit('odd', Number.POSITIVE_INFINITY, 1);
            emit('odd', Number.NEGATIVE_INFINITY, 2);
          }),
      }),
    );
  }),
});

const STEPS = 400;
const study = (sinks: unknown[]) => ({
  name: 'live-sinks',
  seed: 0,
  data: { use: 'two-points' },
  model: { use: 'linear' },
  loss: { use: 'mse', reduction: 'sum', half: true },
  optimizer: { use: 'gd' },
  schedule: { use: 'constant', lr: { normalized: 1.5 } },
  steps: STEPS,
  probes: [{ use: 'slow-loss', ms: 1 }],
  sinks,
});

/** Watches the run from the inside: the loss of each step, and whether the run has ended. */
class Observer implements Sink {
  readonly lossAt = new Map<number, number>();
  lastStep = -1;
  closed = false;
  onClose: (() => void) | undefined;
  write(): void {}
  progress(event: StepEvent): void {
    this.lossAt.set(event.step, event.loss);
    this.lastStep = event.step;
  }
  close(): void {
    this.closed = true;
    this.onClose?.();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The content of a file once it exists (polled, so the run keeps going meanwhile). */
async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 2000; i++) {
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch {
      await sleep(2);
    }
  }
  throw new Error(`${path} never appeared`);
}

interface Frame {
  readonly event: string;
  readonly id: string;
  readonly data: Record<string, unknown>;
  /** Received before the run ended. */
  readonly live: boolean;
}

/** A real EventSource client; resolves with every frame once `end` arrives. */
function subscribe(url: string, observer: Observer, onFrame: (frame: Frame) => void = () => {}): Promise<Frame[]> {
  const frames: Frame[] = [];
  const source = new EventSource(url);
  return new Promise((resolve, reject) => {
    for (const event of ['metric', 'step', 'end']) {
      source.addEventListener(event, (message) => {
        const frame = { event, id: message.lastEventId, data: JSON.parse(message.data) as Record<string, unknown>, live: !observer.closed };
        frames.push(frame);
        onFrame(frame);
        if (event === 'end') {
          source.close();
          resolve(frames);
        }
      });
    }
    source.addEventListener('error', (error) => {
      source.close();
      reject(new Error(`EventSource error: ${error.message ?? 'connection lost'} after ${frames.length} frames`));
    });
  });
}

/** Prometheus' text exposition format: samples by name, each with its labels and value. */
function parseExposition(text: string): Map<string, { labels: Record<string, string>; value: number }[]> {
  const samples = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = match[3].toLowerCase();
    const value = raw === 'nan' ? Number.NaN : raw === '+inf' ? Number.POSITIVE_INFINITY : raw === '-inf' ? Number.NEGATIVE_INFINITY : Number(match[3]);
    samples.set(match[1], [...(samples.get(match[1]) ?? []), { labels, value }]);
  }
  return samples;
}

async function scrape(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

const one = (samples: Map<string, { labels: Record<string, string>; value: number }[]>, name: string) => {
  const found = samples.get(name);
  expect(found, name).toHaveLength(1);
  return found![0];
};

/** Resolves true if nothing accepts connections at the URL's port any more. */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (error) {
    return /ECONNREFUSED/.test(String((error as { cause?: unknown }).cause ?? error));
  }
}

afterAll(removeTempDirs);

describe('the live-stream sink', () => {
  it('streams a real run to subscribers while it goes, replays it to late ones, and ends with the summary', async () => {
    const outDir = await tempDir();
    const observer = new Observer();
    const stderr = vi.spyOn(process.stderr, 'write');
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    const running = tdlab.execute(study([{ use: 'live-stream' }]), { outDir, extraSinks: [observer] });
    let late: Promise<Frame[]> | undefined;
    let lateAt = -1;
    let description: Record<string, unknown> | undefined;
    try {
      const url = await waitForFile(join(outDir, 'live-stream.url'));
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/events$/);
      expect(stderr.mock.calls.map(([chunk]) => String(chunk))).toContain(`live-stream: ${url}\n`);
      let lateStarted: () => void = () => {};
      const lateStart = new Promise<void>((resolve) => (lateStarted = resolve));
      const early = subscribe(url, observer, (frame) => {
        // Halfway through, a second client subscribes: it must get the replay.
        if (late === undefined && frame.event === 'metric' && (frame.data.step as number) >= STEPS / 4 && !observer.closed) {
          lateAt = observer.lastStep;
          late = subscribe(url, observer);
          void fetch(url.replace(/events$/, ''))
            .then((response) => response.json())
            .then((body) => (description = body as Record<string, unknown>))
            .finally(lateStarted);
        }
      });
      const [earlyFrames, summary] = await Promise.all([early, running]);
      await lateStart;
      expect(late, 'the late subscriber connected during the run').toBeDefined();
      const lateFrames = await late!;

      // The early client saw metric records with steps before the last while the run was still going.
      const liveSteps = earlyFrames.filter((frame) => frame.event === 'metric' && frame.live).map((frame) => frame.data.step as number);
      expect(liveSteps.length).toBeGreaterThan(10);
      expect(Math.min(...liveSteps)).toBeLessThan(STEPS);
      expect(earlyFrames.filter((frame) => !frame.live).length).toBeGreaterThan(0);

      // Both clients got the whole run, in order: the late one by replay.
      expect(lateAt).toBeGreaterThan(0);
      expect(lateAt).toBeLessThan(STEPS);
      for (const frames of [earlyFrames, lateFrames]) {
        expect(frames.map((frame) => frame.id)).toEqual(frames.map((_, i) => String(i)));
        const metrics = frames.filter((frame) => frame.event === 'metric');
        expect(metrics.filter((frame) => frame.data.name === 'loss').map((frame) => frame.data.step)).toEqual(
          Array.from({ length: STEPS + 1 }, (_, i) => i),
        );
        expect(metrics[0].data).toEqual({ run: summary.run, step: 0, name: 'loss', value: 2.5 });
        expect(metrics.slice(-3).map((frame) => [frame.data.index, frame.data.value])).toEqual([
          [0, 'NaN'],
          [1, 'Infinity'],
          [2, '-Infinity'],
        ]);
        const steps = frames.filter((frame) => frame.event === 'step');
        expect(steps.map((frame) => frame.data.step)).toEqual(Array.from({ length: STEPS + 1 }, (_, i) => i));
        expect(Object.keys(steps[0].data)).toEqual(['run', 'step', 'totalSteps', 'lr', 'loss']);
        expect(steps.at(-1)!.data).toMatchObject({ step: STEPS, totalSteps: STEPS, outcome: 'max-steps', loss: summary.finalLoss });
        // Records of a step come before its step event.
        expect(frames.findIndex((frame) => frame.event === 'step' && frame.data.step === 1)).toBeGreaterThan(
          frames.findIndex((frame) => frame.event === 'metric' && frame.data.step === 1),
        );
        expect(frames.at(-1)!.event).toBe('end');
        expect(frames.at(-1)!.data).toEqual(JSON.parse(JSON.stringify(summary, jsonNumbers)) as RunSummary);
      }
      expect(lateFrames.map((frame) => [frame.event, frame.data])).toEqual(earlyFrames.map((frame) => [frame.event, frame.data]));
      expect(description).toMatchObject({ sink: 'live-stream', run: summary.run, name: 'live-sinks', totalSteps: STEPS, events: '/events', closed: false });

      // The server is gone after the run.
      expect(await refused(url)).toBe(true);
    } finally {
      stderr.mockRestore();
      await running.catch(() => undefined);
    }
  });

  it('holds a slow client to a cursor into the log, and cuts it off at close after drainMilliseconds', async () => {
    const output = new CapturedOutput();
    const sink = new LiveStreamSink({ host: '127.0.0.1', port: 0, drainMilliseconds: 200 }, undefined, output);
    await sink.open({ run: 'run-1', name: 'slow', totalSteps: 100_000, outDir: undefined });
    expect(output.text).toBe(`live-stream: ${sink.url}\n`);
    const response = await new Promise<IncomingMessage>((resolve) => get(sink.url!, resolve));
    response.pause(); // a client that reads nothing
    const internals = sink as unknown as { log: string[]; clients: Set<{ next: number }> };
    for (let step = 0; step < 100_000; step++) sink.write(record(step, 'loss', 1 / (step + 1)));
    await sleep(50);
    for (let step = 0; step < 100_000; step++) sink.write(record(step, 'norm', step));
    const [client] = internals.clients;
    // Megabytes of frames, but only a socket's worth went out: the rest waits in the log, not per client.
    expect(internals.log.length).toBe(200_000);
    expect(client.next).toBeLessThan(internals.log.length / 4);
    const started = performance.now();
    await sink.close(fakeSummary());
    // The client never read: after drainMilliseconds its connection was destroyed, and close() returned.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(internals.clients.size).toBe(0);
    let received = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (received += chunk));
    response.on('error', () => {});
    response.resume();
    await new Promise<void>((resolve) => response.on('close', () => resolve()));
    // It got what was in flight, never the end.
    expect(received.startsWith('id: 0\nevent: metric\n')).toBe(true);
    expect(received).not.toContain('event: end');
    expect(await refused(sink.url!)).toBe(true);
  });

  it('lets a reading client catch up at close, ends its stream, and resumes after Last-Event-ID', async () => {
    const sink = new LiveStreamSink({ host: '127.0.0.1', port: 0, drainMilliseconds: 5000 }, undefined, new CapturedOutput());
    await sink.open({ run: 'run-1', name: 'resume', totalSteps: 2, outDir: undefined });
    sink.write(record(0, 'loss', 1));
    sink.progress(stepEvent(0, 2));
    sink.write(record(1, 'loss', Number.POSITIVE_INFINITY));
    const resumed = fetch(sink.url!, { headers: { 'last-event-id': '1' } }).then((response) => response.text());
    await sleep(50);
    await sink.close(fakeSummary());
    const text = await resumed;
    expect(text.split('\n\n').filter(Boolean).map((frame) => frame.split('\n').slice(0, 2).join(' '))).toEqual(['id: 2 event: metric', 'id: 3 event: end']);
    expect(text).toContain('data: {"run":"run-1","step":1,"name":"loss","value":"Infinity"}');
    expect(await refused(sink.url!)).toBe(true);
  });
});

describe('the prometheus sink', () => {
  it('is scraped during a real run: steps increase, the loss is the latest, and the final values linger', async () => {
    const outDir = await tempDir();
    const observer = new Observer();
    const stderr = vi.spyOn(process.stderr, 'write');
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    let lingering: Promise<Map<string, { labels: Record<string, string>; value: number }[]>> | undefined;
    const running = tdlab.execute(study([{ use: 'prometheus', linger: 500 }]), { outDir, extraSinks: [observer] });
    try {
      const url = await waitForFile(join(outDir, 'prometheus.url'));
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(stderr.mock.calls.map(([chunk]) => String(chunk))).toContain(`prometheus: ${url}\n`);
      observer.onClose = () => (lingering = scrape(url));

      const first = await scrape(url);
      await sleep(60);
      const second = await scrape(url);
      expect(observer.closed, 'both scrapes happened during the run').toBe(false);
      const steps = [one(first, 'tdlab_steps_total').value, one(second, 'tdlab_steps_total').value];
      expect(steps[1]).toBeGreaterThan(steps[0]);
      for (const [samples, step] of [
        [first, steps[0]],
        [second, steps[1]],
      ] as const) {
        // The loss gauge is the loss of the step the counter stands at (both read in one scrape).
        expect(one(samples, 'tdlab_loss').value).toBe(observer.lossAt.get(step));
        expect(one(samples, 'tdlab_learning_rate').value).toBeGreaterThan(0);
        expect(one(samples, 'tdlab_total_steps').value).toBe(STEPS);
        expect(one(samples, 'tdlab_run_finished').value).toBe(0);
        expect(one(samples, 'process_resident_memory_bytes').value).toBeGreaterThan(1e6);
        expect(samples.get('nodejs_heap_size_used_bytes')?.[0].value).toBeGreaterThan(0);
      }
      expect(one(second, 'tdlab_steps_per_second').value).toBeGreaterThan(0);
      expect(one(second, 'tdlab_metric_records_total').value).toBe(steps[1] + 1);

      const summary = await running;
      // Scraped while the sink lingered after the run: the final values.
      const final = await lingering!;
      expect(final).toBeDefined();
      expect(one(final, 'tdlab_run_finished').value).toBe(1);
      expect(one(final, 'tdlab_steps_total')).toEqual({ labels: { run: summary.run }, value: STEPS });
      expect(one(final, 'tdlab_loss')).toEqual({ labels: { run: summary.run }, value: summary.finalLoss });
      expect(one(final, 'tdlab_metric_records_total').value).toBe(STEPS + 4);

      expect(await refused(url)).toBe(true);
    } finally {
      stderr.mockRestore();
      await running.catch(() => undefined);
    }
  });

  it('rejects options it does not know', () => {
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    expect(() => tdlab.validate(study([{ use: 'prometheus', lingerMs: 5 }]))).toThrow(/lingerMs/);
    expect(() => tdlab.validate(study([{ use: 'live-stream', port: -1 }]))).toThrow(/port/);
  });
});

describe('StepRate', () => {
  it('counts the steps of the last window over its length', () => {
    const rate = new StepRate(10);
    expect(rate.rate(0)).toBe(0);
    rate.observe(0, 0);
    rate.observe(50, 5);
    expect(rate.rate(5)).toBe(10);
    for (let t = 6; t <= 30; t++) rate.observe(50 + (t - 5) * 2, t);
    // From t = 20 (step 80) to t = 30 (step 100).
    expect(rate.rate(30)).toBe(2);
    // Nothing since: the rate falls as the window slides past the last steps.
    expect(rate.rate(35)).toBe((100 - 90) / 10);
  });
});
