import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonNumbers } from '@tdlab/core';

/**
 * A replayable stream of server-sent events: every frame is encoded once into the log, and each
 * subscriber is a cursor into it. A late subscriber gets the whole log (the replay), then each new
 * frame; `Last-Event-ID` resumes after a frame. `end()` closes every subscriber once it has read
 * everything, and later subscribers get the replay and are closed at once.
 */
export class EventLog {
  private readonly frames: string[] = [];
  private readonly clients = new Set<{ response: ServerResponse; next: number; blocked: boolean }>();
  private ended = false;

  get size(): number {
    return this.frames.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  append(event: string, data: unknown): void {
    if (this.ended) return;
    this.frames.push(`id: ${this.frames.length}\nevent: ${event}\ndata: ${JSON.stringify(data, jsonNumbers)}\n\n`);
    for (const client of this.clients) if (!client.blocked) this.pump(client);
  }

  /** No more frames: subscribers are ended once they have read the log. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const client of [...this.clients]) if (!client.blocked) this.pump(client);
  }

  /** Cuts every subscriber off (the server is closing). */
  destroy(): void {
    for (const client of this.clients) client.response.destroy();
    this.clients.clear();
  }

  /** Answers a GET with `text/event-stream`: the replay, then the live frames. */
  subscribe(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.flushHeaders();
    const header = request.headers['last-event-id'];
    const last = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : -1;
    const client = { response, next: last + 1, blocked: false };
    this.clients.add(client);
    response.on('close', () => this.clients.delete(client));
    this.pump(client);
  }

  private pump(client: { response: ServerResponse; next: number; blocked: boolean }): void {
    const { response } = client;
    if (response.destroyed) {
      this.clients.delete(client);
      return;
    }
    while (client.next < this.frames.length) {
      if (!response.write(this.frames[client.next++])) {
        client.blocked = true;
        response.once('drain', () => {
          client.blocked = false;
          this.pump(client);
        });
        return;
      }
    }
    if (this.ended) {
      response.end();
      this.clients.delete(client);
    }
  }
}
