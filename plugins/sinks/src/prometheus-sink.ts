import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { defineSink, type MetricRecord, type RunInfo, type RunSummary, type Sink, type StepEvent } from '@tdlab/core';
import { type } from 'arktype';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export const prometheusSinkOptions = type({
  /** The interface to listen on (loopback by default). */
  host: "string > 0 = '127.0.0.1'",
  /** The port; 0 picks any free port. */
  port: '0 <= number.integer <= 65535 = 0',
  /** Milliseconds to keep serving after the run has ended, so a scraper can read the final values. */
  linger: 'number >= 0 = 0',
  /** The sliding window of `tdlab_steps_per_second`, in seconds. */
  windowSeconds: 'number > 0 = 10',
});
export type PrometheusSinkOptions = typeof prometheusSinkOptions.infer;

/** The file, in the run directory, that holds the scrape URL while the run goes on. */
export const PROMETHEUS_URL_FILE = 'prometheus.url';

let processRegistry: Registry | undefined;

/**
 * The process metrics (`process_resident_memory_bytes`, `process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_seconds`, GC durations, …): prom-client's
 * default metrics, collected into a private registry (never prom-client's global one). It is made
 * once per process and shared by every prometheus sink: collectDefaultMetrics installs a GC
 * observer and an event-loop-delay monitor that it never removes, so one per run would pile up
 * over a sweep. They describe the process, so they carry no `run` label.
 */
function sharedProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Steps per second over a sliding window: the steps taken since the window began, over its length. */
export class StepRate {
  private readonly samples: { t: number; step: number }[] = [];
  private latest = 0;

  constructor(private readonly windowSeconds: number) {}

  observe(step: number, t: number): void {
    this.latest = step;
    const last = this.samples.at(-1);
    // One sample per hundredth of the window is plenty (the rate is then within 1%).
    if (last !== undefined && t - last.t < this.windowSeconds / 100) last.step = step;
    else this.samples.push({ t, step });
  }

  /** The rate at time `now`: from the newest sample at least a window old (or the first one). */
  rate(now: number): number {
    let base = 0;
    while (base + 1 < this.samples.length && this.samples[base + 1].t <= now - this.windowSeconds) base++;
    this.samples.splice(0, base);
    const first = this.samples[0];
    if (first === undefined || now <= first.t) return 0;
    return (this.latest - first.step) / (now - first.t);
  }
}

/**
 * Operational metrics of a run in Prometheus' text format, served on loopback at `GET /metrics`
 * with prom-client (its own registry per sink, not the global one).
 *
 * - `tdlab_steps_total` (counter): updates taken, i.e. the step of the latest step event;
 * - `tdlab_steps_per_second` (gauge): over the last `windowSeconds` (frozen at close);
 * - `tdlab_loss`, `tdlab_learning_rate` (gauges): of the latest step event (NaN and ±Inf kept);
 * - `tdlab_total_steps` (gauge): the steps the study asks for; `tdlab_metric_records_total`
 *   (counter): metric records written; `tdlab_run_finished` (gauge): 1 once the sink is closed;
 * - the process metrics of prom-client's default metrics (see `sharedProcessRegistry`).
 *
 * Every tdlab_* metric is labelled `run`, and in a study with `arms:` also `arm`.
 * With `linger` > 0, `close()` keeps serving for that many milliseconds after the run has ended
 * (so the run, and the CLI, end that much later), then closes the server.
 */
export class PrometheusSink implements Sink {
  private readonly registry = new Registry();
  private server: Server | undefined;
  private arms: readonly string[] | undefined;
  private readonly rates = new Map<string, StepRate>();
  private readonly steps = new Map<string, number>();
  private frozenAt: number | undefined;
  private metrics:
    | {
        readonly steps: Counter<string>;
        readonly records: Counter<string>;
        readonly loss: Gauge<string>;
        readonly lr: Gauge<string>;
        readonly finished: Gauge<string>;
      }
    | undefined;
  private closed = false;
  /** The scrape URL, once the sink is open. */
  url: string | undefined;

  constructor(
    private readonly options: PrometheusSinkOptions = { host: '127.0.0.1', port: 0, linger: 0, windowSeconds: 10 },
    private readonly outDir: string | undefined = undefined,
    private readonly logStream: NodeJS.WritableStream = process.stderr,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {}

  async open(info: RunInfo): Promise<void> {
    this.arms = info.arms;
    const registers = [this.registry];
    const labelNames = info.arms === undefined ? [] : ['arm'];
    this.registry.setDefaultLabels({ run: info.run });
    const rates = this.rates;
    const clock = (): number => this.frozenAt ?? this.now();
    new Gauge({
      name: 'tdlab_total_steps',
      help: 'The steps the study asks for.',
      registers,
    }).set(info.totalSteps);
    new Gauge({
      name: 'tdlab_steps_per_second',
      help: 'Updates per second over a sliding window (frozen when the run ends).',
      labelNames,
      registers,
      collect() {
        const now = clock();
        for (const [arm, rate] of rates) this.set(arm === '' ? {} : { arm }, rate.rate(now));
      },
    });
    this.metrics = {
      steps: new Counter({ name: 'tdlab_steps_total', help: 'Updates taken (the step of the latest step event).', labelNames, registers }),
      records: new Counter({ name: 'tdlab_metric_records_total', help: 'Metric records written by the probes.', labelNames, registers }),
      loss: new Gauge({ name: 'tdlab_loss', help: 'The training loss at the latest step.', labelNames, registers }),
      lr: new Gauge({ name: 'tdlab_learning_rate', help: 'The learning rate of the update after the latest step.', labelNames, registers }),
      finished: new Gauge({ name: 'tdlab_run_finished', help: '1 once the run has ended (while the sink lingers), else 0.', registers }),
    };
    this.metrics.finished.set(0);
    for (const arm of info.arms ?? []) this.metrics.steps.inc({ arm }, 0);
    if (info.arms === undefined) this.metrics.steps.inc(0);

    const server = createServer((request, response) => void this.handle(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
    this.url = `http://${host}:${address.port}/metrics`;
    this.logStream.write(`prometheus: ${this.url}\n`);
    if (this.outDir !== undefined) await writeFile(join(this.outDir, PROMETHEUS_URL_FILE), `${this.url}\n`);
  }

  write(record: MetricRecord): void {
    this.metrics?.records.inc(this.labels(record.arm));
  }

  progress(event: StepEvent): void {
    const metrics = this.metrics;
    if (metrics === undefined || this.closed) return;
    const labels = this.labels(event.arm);
    const key = labels.arm ?? '';
    const previous = this.steps.get(key) ?? 0;
    if (event.step > previous) metrics.steps.inc(labels, event.step - previous);
    this.steps.set(key, Math.max(previous, event.step));
    metrics.loss.set(labels, event.loss);
    metrics.lr.set(labels, event.lr);
    let rate = this.rates.get(key);
    if (rate === undefined) this.rates.set(key, (rate = new StepRate(this.options.windowSeconds)));
    rate.observe(event.step, this.now());
  }

  async close(_summary?: RunSummary): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.frozenAt = this.now();
    this.metrics?.finished.set(1);
    const server = this.server;
    if (server === undefined) return;
    if (this.options.linger > 0) await new Promise((resolve) => setTimeout(resolve, this.options.linger));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.registry.clear();
  }

  /** The text exposition: the run's metrics, then the process metrics. */
  async scrape(): Promise<string> {
    return `${await this.registry.metrics()}\n${await sharedProcessRegistry().metrics()}`;
  }

  private labels(arm: string | undefined): { arm?: string } {
    if (this.arms === undefined) return {};
    return { arm: arm ?? this.arms[0] };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      try {
        const body = await this.scrape();
        response.writeHead(200, { 'content-type': this.registry.contentType }).end(request.method === 'HEAD' ? undefined : body);
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(error)}\n`);
      }
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('tdlab prometheus sink: scrape /metrics\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
    }
  }
}

/**
 * `sinks: [{ use: prometheus }]` serves `http://127.0.0.1:<free port>/metrics`; the URL is printed
 * on stderr and written to `<run dir>/prometheus.url`.
 */
export const prometheusSink = defineSink({
  id: 'prometheus',
  description: 'Operational metrics (steps, steps/s, loss, learning rate, memory) for Prometheus at GET /metrics on loopback',
  options: prometheusSinkOptions,
  create: (options, context) => new PrometheusSink(options, context.outDir),
});
