import { type FileHandle, mkdir, open as openFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tfRecord } from './tfrecord.js';

/** Records buffered before a write is started without waiting for flush(). */
const BUFFERED_RECORDS = 4096;

/**
 * A file of TFRecords, buffered in memory: records are framed as they are appended and written in
 * batches, in order, when the buffer fills, on flush() and on close(). The file is created (or
 * truncated) by open(); close() resolves once every record is written and the file is closed. A
 * failed write is reported by the next flush() or close().
 */
export class TfRecordWriter {
  private records: Buffer[] = [];
  private handle: Promise<FileHandle> | undefined;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    await this.file();
  }

  append(data: Uint8Array): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    this.records.push(tfRecord(data));
    if (this.records.length >= BUFFERED_RECORDS) this.startWrite();
  }

  async flush(): Promise<void> {
    this.startWrite();
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      const handle = await this.handle?.catch(() => undefined);
      await handle?.close();
    }
  }

  private file(): Promise<FileHandle> {
    this.handle ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      return openFile(this.path, 'w');
    })();
    return this.handle;
  }

  private startWrite(): void {
    const batch = this.records;
    this.records = [];
    this.pending = this.pending.then(async () => {
      if (this.failure !== undefined) return;
      try {
        const handle = await this.file();
        const bytes = Buffer.concat(batch);
        // A write may take fewer bytes than given; go on until all are written.
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
      } catch (error) {
        this.failure = error;
      }
    });
  }
}
