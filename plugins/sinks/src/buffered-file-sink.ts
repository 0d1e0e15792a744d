import { type FileHandle, mkdir, open as openFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MetricRecord, Sink } from '@tdlab/core';

/** Records buffered before a write is started without waiting for flush(). */
const BUFFERED_LINES = 4096;

/**
 * A sink that formats each record as one line of a text file. Lines are buffered in memory and
 * written in batches: when the buffer fills, on flush() and on close(). Writes are chained, so they
 * reach the file in order; close() resolves once every line is written and the file is closed.
 * The file is created (or truncated) when the sink opens, so a run without records leaves the
 * header alone (or an empty file).
 */
export abstract class BufferedFileSink implements Sink {
  private lines: string[] = [];
  private handle: Promise<FileHandle> | undefined;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;

  constructor(readonly path: string) {}

  /** The first line of the file (a CSV header, say), or undefined for none. */
  protected header(): string | undefined {
    return undefined;
  }

  /** One record as one line, without the newline. */
  protected abstract format(record: MetricRecord): string;

  async open(): Promise<void> {
    await this.file();
  }

  write(record: MetricRecord): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    this.lines.push(this.format(record));
    if (this.lines.length >= BUFFERED_LINES) this.startWrite();
  }

  async flush(): Promise<void> {
    this.startWrite();
    await this.pending;
    this.rethrow();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      // The file is closed even when a write failed (flush has already thrown that failure).
      const handle = await this.handle?.catch(() => undefined);
      await handle?.close();
    }
  }

  /** Opens the file once (creating its folder), writing the header. */
  private file(): Promise<FileHandle> {
    this.handle ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const handle = await openFile(this.path, 'w');
      const header = this.header();
      if (header !== undefined) await handle.write(`${header}\n`);
      return handle;
    })();
    return this.handle;
  }

  /** Moves the buffered lines into one write queued after the previous ones. */
  private startWrite(): void {
    const batch = this.lines;
    this.lines = [];
    const text = batch.length > 0 ? `${batch.join('\n')}\n` : '';
    this.pending = this.pending.then(async () => {
      if (this.failure !== undefined) return;
      try {
        const handle = await this.file();
        if (text.length > 0) await handle.write(text);
      } catch (error) {
        this.failure = error;
      }
    });
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
