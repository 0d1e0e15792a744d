import { resolveObjectURL } from 'node:buffer';
import { availableParallelism } from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';

/*
 * The browser globals that @jax-js/jax 0.1.x expects and Node 20 lacks. Applied by jax-js.ts right
 * before `import('@jax-js/jax')`, never elsewhere; each is installed only where it is missing.
 *
 * - `Float16Array` (Node ≥ 24 has it): jax-js tests `data instanceof Float16Array` when an array is
 *   built from a typed array. An empty class makes that test false; no float16 is used here.
 * - `navigator` (Node ≥ 21 has it): jax-js reads `navigator.userAgent` in its kernel optimizer and
 *   `navigator.hardwareConcurrency` for the size of its Wasm worker pool.
 * - `Worker` (no Node has the web one): jax-js runs its Wasm kernels on a pool of web workers on a
 *   shared `WebAssembly.Memory` when `SharedArrayBuffer` and `Worker` both exist, and on the main
 *   thread alone otherwise. `WebWorker` below is the little of the web Worker API it uses
 *   (a `blob:` URL of a classic script, postMessage, onmessage, onerror), on worker_threads, so
 *   that jax-js gets its multi-threaded back end in Node, like tdlab's kernels.
 */

/** What the worker's script sees instead of a web worker's globals. */
const WORKER_PRELUDE = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (message) => parentPort.postMessage(message);
parentPort.on('message', (data) => { if (typeof self.onmessage === 'function') self.onmessage({ data }); });
`;

/**
 * jax-js's pool answers every message with exactly one reply ('ready' or 'done'). The worker is
 * kept referenced only while replies are outstanding: then a pending `await` keeps the process
 * alive, and idle workers do not keep it alive after the benchmark.
 */
class WebWorker {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  #worker: NodeWorker | undefined;
  #queued: unknown[] = [];
  #outstanding = 0;
  #terminated = false;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`jax-js shim: only blob: URLs are supported (${String(url)})`);
    // The script is read asynchronously; messages posted until then are queued.
    blob.text().then(
      (source) => {
        if (this.#terminated) return;
        const worker = new NodeWorker(WORKER_PRELUDE + source, { eval: true });
        worker.on('message', (data: unknown) => {
          if (--this.#outstanding === 0) worker.unref();
          this.onmessage?.({ data });
        });
        worker.on('error', (error: Error) => this.onerror?.({ message: error.message }));
        this.#worker = worker;
        if (this.#outstanding === 0) worker.unref();
        for (const message of this.#queued) worker.postMessage(message);
        this.#queued = [];
      },
      (error: Error) => this.onerror?.({ message: error.message }),
    );
  }

  postMessage(message: unknown): void {
    this.#outstanding++;
    if (!this.#worker) {
      this.#queued.push(message);
      return;
    }
    this.#worker.ref();
    this.#worker.postMessage(message);
  }

  terminate(): void {
    this.#terminated = true;
    void this.#worker?.terminate();
  }
}

/** Installs the missing globals (see above). `threads: false` leaves `Worker` out: one thread. */
export function applyJaxShims({ threads = true }: { threads?: boolean } = {}): void {
  const g = globalThis as Record<string, unknown>;
  g.Float16Array ??= class Float16Array {};
  g.navigator ??= { userAgent: `Node.js/${process.versions.node}`, hardwareConcurrency: availableParallelism() };
  if (threads) g.Worker ??= WebWorker;
}
