import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { defineSink, jsonNumbers, type MetricRecord, type RunInfo, type RunSummary, type Sink, type StepEvent } from '@tdlab/core';
import { type } from 'arktype';

export const liveStreamSinkOptions = type({
  /** The interface to listen on (loopback by default). */
  host: "string > 0 = '127.0.0.1'",
  /** The port; 0 picks any free port. */
  port: '0 <= number.integer <= 65535 = 0',
  /** At close, how long a client that is behind may take to read the rest before it is cut off. */
  drainMilliseconds: 'number >= 0 = 2000',
});
export type LiveStreamSinkOptions = typeof liveStreamSinkOptions.infer;

/** The file, in the run directory, that holds the stream's URL while the run goes on. */
export const LIVE_STREAM_URL_FILE = 'live-stream.url';

/** One subscriber of `/events`: its response and the next frame of the log it has to be sent. */
interface Client {
  readonly response: ServerResponse;
  next: number;
  /** Waiting for 'drain': the socket's buffer is full. */
  blocked: boolean;
}

/**
 * A live stream of the run as server-sent events, over HTTP on loopback (`node:http`, no framework).
 *
 * - `GET /events` (`text/event-stream`): every frame so far (the replay, so a late subscriber sees
 *   the whole curve), then each new one as it happens: `event: metric` per metric record (the
 *   jsonl sink's object), `event: step` per step event (`run, arm?, step, totalSteps, lr, loss,
 *   outcome?`, no training state) and `event: end` with the run summary at close. Each frame has
 *   an `id:` (its position in the log); a client that reconnects with `Last-Event-ID` resumes
 *   after it. NaN and ±Infinity are sent as the strings "NaN", "Infinity" and "-Infinity", as in
 *   the jsonl sink and summary.json.
 * - `GET /`: a JSON description of the stream (run, name, steps, arms, frames and clients so far).
 *
 * Backpressure: every frame is encoded once into the replay log (which holds the whole run), and a
 * client is only a cursor into that log. Frames are written to a client while its socket accepts
 * them; when `write` reports a full buffer the client waits for 'drain' and then carries on from
 * its cursor. A slow client therefore costs no memory beyond the log and one socket buffer; it is
 * never dropped during the run, it just falls behind. At close, `end` is appended, the clients that
 * have caught up are ended at once, and the others get `drainMilliseconds` to read the rest before
 * their connection is destroyed; then the server is closed, with no handle left open.
 */
export class LiveStreamSink implements Sink {
  private readonly log: string[] = [];
  private readonly clients = new Set<Client>();
  private server: Server | undefined;
  private info: RunInfo | undefined;
  private closed = false;
  private endedAll: (() => void) | undefined;
  /** The URL of the stream, once the sink is open. */
  url: string | undefined;

  constructor(
    private readonly options: LiveStreamSinkOptions = { host: '127.0.0.1', port: 0, drainMilliseconds: 2000 },
    private readonly outDir: string | undefined = undefined,
    private readonly logStream: NodeJS.WritableStream = process.stderr,
  ) {}

  async open(info: RunInfo): Promise<void> {
    this.info = info;
    const server = createServer((request, response) => this.handle(request, response));
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
    this.url = `http://${host}:${address.port}/events`;
    this.logStream.write(`live-stream: ${this.url}\n`);
    if (this.outDir !== undefined) await writeFile(join(this.outDir, LIVE_STREAM_URL_FILE), `${this.url}\n`);
  }

  write(record: MetricRecord): void {
    const { run, step, arm, name, index, value } = record;
    this.append('metric', { run, step, ...(arm === undefined ? {} : { arm }), name, ...(index === undefined ? {} : { index }), value });
  }

  progress(event: StepEvent): void {
    const { run, arm, step, totalSteps, lr, loss, outcome } = event;
    this.append('step', { run, ...(arm === undefined ? {} : { arm }), step, totalSteps, lr, loss, ...(outcome === undefined ? {} : { outcome }) });
  }

  async close(summary?: RunSummary): Promise<void> {
    if (this.closed) return;
    if (summary !== undefined) this.append('end', summary);
    this.closed = true;
    const server = this.server;
    if (server === undefined) return;
    // Clients that have read everything are ended now; the others once they have caught up.
    const drained = new Promise<void>((resolve) => {
      this.endedAll = resolve;
    });
    for (const client of [...this.clients]) this.pump(client);
    if (this.clients.size === 0) this.endedAll?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.drainMilliseconds)))]);
    clearTimeout(timer);
    for (const client of this.clients) client.response.destroy();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Encodes a frame once, into the log, and sends it to every client that is not behind. */
  private append(event: string, data: unknown): void {
    if (this.closed) throw new Error('live-stream: write after close');
    const id = this.log.length;
    this.log.push(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data, jsonNumbers)}\n\n`);
    for (const client of this.clients) if (!client.blocked) this.pump(client);
  }

  /** Writes a client's frames from its cursor until its socket is full or it has caught up. */
  private pump(client: Client): void {
    const { response } = client;
    if (response.destroyed) return this.drop(client);
    while (client.next < this.log.length) {
      const frame = this.log[client.next++];
      if (!response.write(frame)) {
        if (!client.blocked) {
          client.blocked = true;
          response.once('drain', () => {
            client.blocked = false;
            this.pump(client);
          });
        }
        return;
      }
    }
    if (this.closed) {
      response.end();
      this.drop(client);
    }
  }

  private drop(client: Client): void {
    this.clients.delete(client);
    if (this.closed && this.clients.size === 0) this.endedAll?.();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      const info = this.info;
      const body = {
        sink: 'live-stream',
        run: info?.run,
        name: info?.name,
        totalSteps: info?.totalSteps,
        ...(info?.arms ? { arms: info.arms } : {}),
        events: '/events',
        frames: this.log.length,
        clients: this.clients.size,
        closed: this.closed,
        format: 'server-sent events: metric (a metric record), step (a step event), end (the run summary); NaN and ±Infinity as strings',
      };
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' });
      response.end(`${JSON.stringify(body, null, 2)}\n`);
      return;
    }
    if (path !== '/events') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /events\n');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'access-control-allow-origin': '*',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.flushHeaders();
    const header = request.headers['last-event-id'];
    const lastId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : -1;
    const client: Client = { response, next: lastId + 1, blocked: false };
    this.clients.add(client);
    response.on('close', () => this.drop(client));
    this.pump(client);
  }
}

/**
 * `sinks: [{ use: live-stream }]` serves the run at `http://127.0.0.1:<free port>/events`; the URL
 * is printed on stderr and written to `<run dir>/live-stream.url`.
 */
export const liveStreamSink = defineSink({
  id: 'live-stream',
  description: 'A live server-sent-events stream of the run on loopback (GET /events: replay, then metric/step/end events)',
  options: liveStreamSinkOptions,
  create: (options, context) => new LiveStreamSink(options, context.outDir),
});
