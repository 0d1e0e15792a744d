import type { FloatArray } from '../float-array.js';
import { Arena } from './arena.js';
import { KERNELS_WASM_BASE64, MAXIMUM_PAGES } from './kernels.generated.js';

/*
 * The WebAssembly side of the kernels: one lazily instantiated module over one shared linear
 * memory. Operands that live in that memory already (arrays from a `KernelWorkspace`) are used in
 * place; the others are copied into a staging area, and a result that does not live there is
 * copied out. The copies are O(mk + kn + mn) against O(mnk) arithmetic, but for the thin products
 * of a model (a 512×4096 activation matrix against a 4096×64 one) they are a sizeable share, which
 * is what resident buffers remove.
 *
 * Memory layout (byte offsets): [0, RESERVED) belongs to the compiled module (AssemblyScript's
 * static area, empty today), then the calling thread's scratch workspace (packed panels), then an
 * `Arena` holding the staging area, the worker threads' workspaces and the resident buffers. The
 * memory is shared (SharedArrayBuffer-backed) with a fixed maximum, so growing it never detaches
 * existing views and worker threads can use it too.
 *
 * Threads: a large product is split by rows of C between the calling thread and a small pool of
 * worker_threads (one per extra core) that run the same module on the same memory. The API stays
 * synchronous: the caller posts each worker its rows through a shared control block
 * (Atomics.notify), computes its own rows, then blocks in Atomics.wait until the workers are done.
 * Workers start in the background on the first large call and are used once they report ready, so
 * no call ever waits for a thread to boot; they are unref'd and never keep the process alive.
 * Every row of C is computed by the same code in the same order whichever thread runs it, so the
 * threaded result is bit-identical to the single-threaded one.
 */

/*
 * The slice of the WebAssembly JS API used here. The project's lib (ES2023, no DOM) has no
 * WebAssembly declarations, so it is typed locally and looked up on globalThis.
 */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

interface KernelExports {
  workspaceBytes(): number;
  dgemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number,
    prepacked: number, prepackedRows: number, rowOffset: number,
    act: number, leak: number, slope: number,
  ): void;
  sgemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number,
    prepacked: number, prepackedRows: number, rowOffset: number,
    act: number, leak: number, slope: number,
  ): void;
  dpackOperand(transA: number, m: number, k: number, alpha: number, a: number, lda: number, dst: number): void;
  spackOperand(transA: number, m: number, k: number, alpha: number, a: number, lda: number, dst: number): void;
  dpackRowQuantum(): number;
  dgemv(trans: number, m: number, n: number, alpha: number, a: number, x: number, beta: number, y: number): void;
  sgemv(trans: number, m: number, n: number, alpha: number, a: number, x: number, beta: number, y: number): void;
  spackRowQuantum(): number;
  dactivation(kind: number, leak: number, z: number, slope: number, count: number): void;
  sactivation(kind: number, leak: number, z: number, slope: number, count: number): void;
}

const PAGE = 65536;
const RESERVED = PAGE;
const ALIGN = 64;

interface Engine {
  module: object;
  memory: WasmMemory;
  kernels: KernelExports;
  /** The calling thread's workspace (packed panels). */
  workspace: number;
  /** Everything above the workspace: staging area, worker workspaces, resident buffers. */
  arena: Arena;
  /** Where operands that are not resident are copied: grown (moved) when a call needs more. */
  staging: { offset: number; bytes: number };
  /** The worker threads' workspaces, one after the other (allocated when the pool starts). */
  workerWorkspaces: number;
}

let engine: Engine | undefined;
/** Set once instantiation has failed (no WASM SIMD, or no shared memory): gemm stays on TS. */
let unavailable = false;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function alignUp(offset: number): number {
  return Math.ceil(offset / ALIGN) * ALIGN;
}

/**
 * Whether the WASM kernels can run here: compiles and instantiates them on the first call. A
 * runtime without WASM SIMD, or without shared memory (a browser page that is not cross-origin
 * isolated), answers false and gemm keeps using the TypeScript reference.
 */
export function wasmKernelsAvailable(): boolean {
  if (engine) return true;
  if (unavailable) return false;
  try {
    engine = createEngine();
    return true;
  } catch {
    unavailable = true;
    return false;
  }
}

function getEngine(): Engine {
  if (!wasmKernelsAvailable()) throw new Error('wasm kernels: not available in this runtime');
  return engine as Engine;
}

/** Compiles and instantiates the kernels module (synchronously). */
function createEngine(): Engine {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) throw new Error('wasm kernels: no WebAssembly in this runtime');
  const module = new wasm.Module(decodeBase64(KERNELS_WASM_BASE64));
  // Grown on demand; the 64 KiB reserve and the ~4 MiB workspace fit in the initial size.
  const memory = new wasm.Memory({ initial: 128, maximum: MAXIMUM_PAGES, shared: true });
  const instance = new wasm.Instance(module, { env: { memory } });
  const kernels = instance.exports as unknown as KernelExports;
  const workspace = RESERVED;
  const arena = new Arena(alignUp(workspace + kernels.workspaceBytes()), ALIGN, (bytes) => ensureMemory(memory, bytes));
  return { module, memory, kernels, workspace, arena, staging: { offset: 0, bytes: 0 }, workerWorkspaces: 0 };
}

/** The staging area's offset, after making it hold at least `bytes` (growing by half again when it grows). */
function stage(engine: Engine, bytes: number): number {
  const { staging, arena } = engine;
  if (bytes > staging.bytes) {
    if (staging.bytes > 0) arena.release(staging.offset);
    staging.bytes = alignUp(Math.max(bytes, staging.bytes * 1.5));
    staging.offset = arena.allocate(staging.bytes);
  }
  return staging.offset;
}

// ---------------------------------------------------------------------------------------------
// Resident buffers

/** The buffers the memory has handed out (a grown shared memory hands out a new buffer object). */
const memoryBuffers = new WeakSet<ArrayBufferLike>();

function currentBuffer(memory: WasmMemory): ArrayBufferLike {
  const buffer = memory.buffer;
  memoryBuffers.add(buffer);
  return buffer;
}

/**
 * A zero-filled array of `length` elements inside the kernels' memory, which gemm reads and writes
 * in place; undefined where the WASM kernels are not available. Freed with `releaseResident`.
 */
export function allocateResident(double: boolean, length: number): FloatArray | undefined {
  if (!wasmKernelsAvailable()) return undefined;
  const { arena, memory } = engine as Engine;
  const size = double ? 8 : 4;
  const offset = arena.allocate(Math.max(1, length) * size);
  const buffer = currentBuffer(memory);
  const array = double ? new Float64Array(buffer, offset, length) : new Float32Array(buffer, offset, length);
  array.fill(0);
  return array;
}

/** Returns an array from `allocateResident` to the arena. */
export function releaseResident(array: FloatArray): void {
  (engine as Engine).arena.release(array.byteOffset);
}

/** Whether `array` lives in the kernels' memory (so gemm can use it in place). */
export function isResident(array: FloatArray): boolean {
  return memoryBuffers.has(array.buffer);
}

/** The byte offset of `array` in the kernels' memory if it lives there with the element size of the product, else -1. */
function residentOffset(array: FloatArray, double: boolean): number {
  return memoryBuffers.has(array.buffer) && array instanceof Float64Array === double ? array.byteOffset : -1;
}

// ---------------------------------------------------------------------------------------------
// Worker pool

/**
 * m·n·k from which a product is split across threads. A handoff costs tens of microseconds (futex
 * wake-up of the worker, then of the caller) and the threads share L3 and memory bandwidth, so a
 * second thread only pays off for products that take a millisecond or more on one core: measured
 * on 2 cores, 128³ (0.45 ms in float64) got slower threaded, 192³ about even, 256³ 1.5× faster.
 */
export const GEMM_THREADS_MIN_WORK = 192 ** 3;
/** Rows per thread are rounded to this (the micro-kernel's tile height), and each gets at least one tile. */
const ROW_QUANTUM = 4;
const MAX_THREADS = 8;

// Control block: one 128-byte slot per worker, as Int32 fields and two Float64 (alpha, beta).
const SLOT_BYTES = 128;
const SLOT_INTS = SLOT_BYTES / 4;
const SEQ = 0; // bumped by the caller to post a job
const DONE = 1; // set to SEQ by the worker when the job is finished
const STATUS = 2; // 0 ok, 1 the worker threw
const READY = 3; // 1 once the worker has instantiated the module
const JOB = 4; // kind (0 dgemm, 1 sgemm), then the 13 integer arguments of the kernel
const ALPHA = 12; // Float64 index within the slot (byte 96)
const BETA = 13;
const ACTIVATION = 17; // the kernel's epilogue on the job's rows of C (-1 none, see dgemm), slope pointer, count
const LEAK = 14; // Float64 index within the slot (byte 112)
const PREPACKED = 20; // prepacked A operand (0 none), its padded row count, the job's first row

/** Runs in each worker (an eval'd CommonJS script, so it works from src/ and dist/ alike). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot } = workerData;
const ints = new Int32Array(control, slot * ${SLOT_BYTES}, ${SLOT_INTS});
const floats = new Float64Array(control, slot * ${SLOT_BYTES}, ${SLOT_BYTES / 8});
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
Atomics.store(ints, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(ints, ${SEQ}, seen);
  const seq = Atomics.load(ints, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  let status = 0;
  try {
    const j = ${JOB};
    (ints[j] === 0 ? kernels.dgemm : kernels.sgemm)(
      ints[j + 1], ints[j + 2], ints[j + 3], ints[j + 4], ints[j + 5], floats[${ALPHA}],
      ints[j + 6], ints[j + 7], ints[j + 8], ints[j + 9], floats[${BETA}], ints[j + 10], ints[j + 11], ints[j + 12],
      ints[${PREPACKED}], ints[${PREPACKED} + 1], ints[${PREPACKED} + 2],
      ints[${ACTIVATION}], floats[${LEAK}], ints[${ACTIVATION} + 1],
    );
  } catch {
    status = 1;
  }
  ints[${STATUS}] = status;
  Atomics.store(ints, ${DONE}, seq);
  Atomics.notify(ints, ${DONE});
}
`;

interface Pool {
  workers: { unref(): void; terminate(): Promise<number> }[];
  ints: Int32Array;
  floats: Float64Array;
}

let pool: Pool | undefined;
let poolUnavailable = false;

/** Threads gemm may use: TDLAB_TENSOR_THREADS if set, else the available cores (at most 8). */
function threadBudget(): number {
  const setting = Number(globalThis.process?.env?.TDLAB_TENSOR_THREADS);
  if (Number.isInteger(setting) && setting >= 1) return Math.min(setting, MAX_THREADS);
  const os = globalThis.process?.getBuiltinModule?.('node:os');
  return Math.max(1, Math.min(os?.availableParallelism?.() ?? 1, MAX_THREADS));
}

/** Starts the workers (once); undefined where worker_threads are not available. */
function getPool(engine: Engine): Pool | undefined {
  if (pool || poolUnavailable) return pool;
  const extra = threadBudget() - 1;
  const threads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
  if (extra < 1 || !threads) {
    poolUnavailable = true;
    return undefined;
  }
  const control = new SharedArrayBuffer(extra * SLOT_BYTES);
  const workers: Pool['workers'] = [];
  if (engine.workerWorkspaces === 0) engine.workerWorkspaces = engine.arena.allocate(extra * alignUp(engine.kernels.workspaceBytes()));
  try {
    for (let slot = 0; slot < extra; slot++) {
      const worker = new threads.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: engine.module, memory: engine.memory, control, slot },
      });
      worker.unref();
      workers.push(worker);
    }
  } catch {
    // Workers not permitted here (e.g. Node's permission model without --allow-worker).
    for (const worker of workers) void worker.terminate();
    poolUnavailable = true;
    return undefined;
  }
  pool = { workers, ints: new Int32Array(control), floats: new Float64Array(control) };
  return pool;
}

/** Slots of the workers that have finished starting. */
function readyWorkers(current: Pool): number[] {
  const ready = [];
  for (let slot = 0; slot < current.workers.length; slot++) {
    if (Atomics.load(current.ints, slot * SLOT_INTS + READY) === 1) ready.push(slot);
  }
  return ready;
}

/**
 * Starts the worker pool if it is not running and resolves once every worker is ready (tests and
 * benchmarks use it to measure the threaded path from the first call). Resolves to the number of
 * threads gemm will use, the calling one included.
 */
export async function startGemmThreads(): Promise<number> {
  const current = getPool(getEngine());
  if (!current) return 1;
  while (readyWorkers(current).length < current.workers.length) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return current.workers.length + 1;
}

/** Stops the workers (the next large product starts them again). */
export async function stopGemmThreads(): Promise<void> {
  const current = pool;
  pool = undefined;
  poolUnavailable = false;
  if (current) await Promise.all(current.workers.map((worker) => worker.terminate()));
}

/** Makes sure the memory has at least `bytes` bytes, growing it (never detaching: it is shared). */
function ensureMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  if (bytes > MAXIMUM_PAGES * PAGE) {
    throw new RangeError(`wasm kernels: ${bytes} bytes of operands exceed the 4 GiB wasm32 memory`);
  }
  memory.grow(Math.ceil((bytes - have) / PAGE));
}

/**
 * Views of the whole memory, made again only when it grows (a grown shared memory hands out a new
 * buffer object), so a gemm call creates no typed-array objects.
 */
let heapBuffer: ArrayBufferLike | undefined;
let heap64: Float64Array = new Float64Array(0);
let heap32: Float32Array = new Float32Array(0);

function heapFor(buffer: ArrayBufferLike, double: boolean): FloatArray {
  if (buffer !== heapBuffer) {
    memoryBuffers.add(buffer);
    heapBuffer = buffer;
    heap64 = new Float64Array(buffer);
    heap32 = new Float32Array(buffer);
  }
  return double ? heap64 : heap32;
}

/** heap[at … at+length) ← source[0 … length): one memcpy when the source is exactly that long. */
function copyIn(heap: FloatArray, at: number, source: FloatArray, length: number): void {
  if (source.length === length) heap.set(source, at);
  else copyRange(source, 0, heap, at, length);
}

/**
 * dst[to … to+length) ← src[from … from+length) without creating a view. The element loop is
 * dispatched to one function per pair of array types, so that each loop stays monomorphic: a loop
 * that has seen both Float64Array and Float32Array runs several times slower in V8 (~7 ns per
 * element against ~1).
 */
function copyRange(src: FloatArray, from: number, dst: FloatArray, to: number, length: number): void {
  if (src instanceof Float64Array) {
    if (dst instanceof Float64Array) copy64to64(src, from, dst, to, length);
    else copy64to32(src, from, dst, to, length);
  } else if (dst instanceof Float64Array) copy32to64(src, from, dst, to, length);
  else copy32to32(src, from, dst, to, length);
}

function copy64to64(src: Float64Array, from: number, dst: Float64Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
}
function copy64to32(src: Float64Array, from: number, dst: Float32Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
}
function copy32to64(src: Float32Array, from: number, dst: Float64Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
}
function copy32to32(src: Float32Array, from: number, dst: Float32Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
}

/** Worker slots of one call and their posted sequence numbers (preallocated: no per-call arrays). */
const MAX_SLOTS = 8;
const callSlots = new Int32Array(MAX_SLOTS);
const callSequences = new Int32Array(MAX_SLOTS);
const jobFields = new Int32Array(13);

/**
 * gemm on the WASM kernels, same contract as the reference `gemm` (shapes already checked by the
 * caller). float64 arithmetic when any operand is float64 (float32 operands widen exactly, a float32
 * C is rounded on the way out), float32 SIMD arithmetic when all three are float32. With `threads`
 * 'auto', products of at least GEMM_THREADS_MIN_WORK are split across the ready worker threads;
 * 'single' keeps them on the calling thread (tests compare the two).
 */
export function wasmGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
  threads: 'auto' | 'single' = 'auto',
): void {
  runGemm(transA, transB, m, n, k, alpha, a, b, beta, c, undefined, -1, 0, threads, undefined);
}

/** An operand alpha·op(A) packed once into the kernels' memory (see ../packed-operand.ts). */
export interface WasmPackedOperand {
  readonly offset: number;
  readonly double: boolean;
  readonly m: number;
  readonly k: number;
  readonly alpha: number;
  /** m rounded up to the kernels' row panel height. */
  readonly rows: number;
}

/** Packs alpha·op(A) (m×k) into a new region of the kernels' memory; freed with `releasePackedOperand`. */
export function wasmPackOperand(transA: boolean, m: number, k: number, alpha: number, a: FloatArray, double: boolean): WasmPackedOperand {
  const engine = getEngine();
  const { kernels, memory, arena } = engine;
  const size = double ? 8 : 4;
  const quantum = double ? kernels.dpackRowQuantum() : kernels.spackRowQuantum();
  const rows = Math.ceil(m / quantum) * quantum;
  const offset = arena.allocate(Math.max(1, rows * k) * size);
  const resident = residentOffset(a, double);
  const aOffset = resident < 0 ? stage(engine, m * k * size) : resident;
  if (resident < 0) copyIn(heapFor(memory.buffer, double), aOffset / size, a, m * k);
  (double ? kernels.dpackOperand : kernels.spackOperand)(transA ? 1 : 0, m, k, alpha, aOffset, transA ? m : k, offset);
  return { offset, double, m, k, alpha, rows };
}

export function releasePackedOperand(packed: WasmPackedOperand): void {
  (engine as Engine).arena.release(packed.offset);
}

/** C (m×n) ← packed·op(B) + beta·C, where the packed operand holds alpha·op(A). */
export function wasmGemmPacked(
  packed: WasmPackedOperand,
  transB: boolean,
  n: number,
  b: FloatArray,
  beta: number,
  c: FloatArray,
  threads: 'auto' | 'single' = 'auto',
): void {
  runGemm(false, transB, packed.m, n, packed.k, packed.alpha, b, b, beta, c, undefined, -1, 0, threads, packed);
}

/** The kernels' epilogue code for C ← C ⊙ mask (see dgemm in assembly/kernels.ts). */
const MASK = 2;

/**
 * C ← σ(alpha·op(A)·op(B) + beta·C) and slope ← σ'(same) (m×n each), with the activation applied
 * by the kernel as it stores the final C (its epilogue, by each thread on its own rows), so there is
 * no separate pass over C and C never passes through a TypeScript loop. `kind` 0 is ReLU / leaky
 * ReLU (σ'(z) = 1 for z > 0, else `leak`), 1 linear. The caller makes sure C and slope have the
 * precision the product is computed in (see `gemmActivation` in ../activation.ts).
 */
export function wasmGemmActivation(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
  slope: FloatArray,
  kind: number,
  leak: number,
  threads: 'auto' | 'single' = 'auto',
  beta = 0,
): void {
  runGemm(transA, transB, m, n, k, alpha, a, b, beta, c, slope, kind, leak, threads, undefined);
}

/**
 * C ← (alpha·op(A)·op(B) + beta·C) ⊙ mask (m×n each), the element-wise product applied by the kernel
 * as it stores the final C: the backward step Δ ← (Δ' W) ⊙ σ'(Z) of a network. The caller makes
 * sure C and mask have the precision the product is computed in (see `gemmMask` in ../activation.ts).
 */
export function wasmGemmMask(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
  mask: FloatArray,
  threads: 'auto' | 'single' = 'auto',
): void {
  runGemm(transA, transB, m, n, k, alpha, a, b, beta, c, mask, MASK, 0, threads, undefined);
}

/**
 * gemv on the WASM kernels (same contract as `gemv`, shapes already checked): float64 arithmetic
 * when any operand is float64, float32 SIMD arithmetic when all are float32. Resident operands are
 * used in place; the others are staged like gemm's.
 */
export function wasmGemv(trans: boolean, m: number, n: number, alpha: number, a: FloatArray, x: FloatArray, beta: number, y: FloatArray): void {
  const engine = getEngine();
  const { memory, kernels } = engine;
  const double = a instanceof Float64Array || x instanceof Float64Array || y instanceof Float64Array;
  const size = double ? 8 : 4;
  const xLength = trans ? m : n;
  const yLength = trans ? n : m;
  const aResident = residentOffset(a, double);
  const xResident = residentOffset(x, double);
  const yResident = residentOffset(y, double);
  const aBytes = aResident < 0 ? alignUp(m * n * size) : 0;
  const xBytes = xResident < 0 ? alignUp(xLength * size) : 0;
  const yBytes = yResident < 0 ? alignUp(yLength * size) : 0;
  const base = aBytes + xBytes + yBytes > 0 ? stage(engine, aBytes + xBytes + yBytes) : 0;
  const aOffset = aResident < 0 ? base : aResident;
  const xOffset = xResident < 0 ? base + aBytes : xResident;
  const yOffset = yResident < 0 ? base + aBytes + xBytes : yResident;
  const heap = heapFor(memory.buffer, double);
  if (aResident < 0) copyIn(heap, aOffset / size, a, m * n);
  if (xResident < 0) copyIn(heap, xOffset / size, x, xLength);
  if (yResident < 0 && beta !== 0) copyIn(heap, yOffset / size, y, yLength);
  (double ? kernels.dgemv : kernels.sgemv)(trans ? 1 : 0, m, n, alpha, aOffset, xOffset, beta, yOffset);
  if (yResident < 0) copyOut(heap, yOffset / size, y, yLength);
}

/** The standalone activation pass (z ← σ(z), slope ← σ'(z) over `count` elements) on the WASM kernels. */
export function wasmActivation(kind: number, leak: number, z: FloatArray, slope: FloatArray, count: number): void {
  const engine = getEngine();
  const { memory, kernels } = engine;
  const double = z instanceof Float64Array;
  const size = double ? 8 : 4;
  const zResident = residentOffset(z, double);
  const sResident = residentOffset(slope, double);
  const zBytes = zResident < 0 ? alignUp(count * size) : 0;
  const base = stage(engine, zBytes + (sResident < 0 ? alignUp(count * size) : 0));
  const zOffset = zResident < 0 ? base : zResident;
  const sOffset = sResident < 0 ? base + zBytes : sResident;
  const heap = heapFor(memory.buffer, double);
  if (zResident < 0) copyIn(heap, zOffset / size, z, count);
  (double ? kernels.dactivation : kernels.sactivation)(kind, leak, zOffset, sOffset, count);
  if (zResident < 0) copyOut(heap, zOffset / size, z, count);
  if (sResident < 0) copyOut(heap, sOffset / size, slope, count);
}

/**
 * Views of the heap that copies out of it use, kept while the memory's buffer stays the same: a
 * few recent (offset, length, type) windows, so that calls of recurring shapes (a model
 * alternating between a handful of products) create no objects, and `target.set(view)` is a
 * memcpy (or a converting copy), several times faster than an element loop over the shared heap.
 */
const OUT_VIEWS = 8;
const outViews: (FloatArray | undefined)[] = new Array<FloatArray | undefined>(OUT_VIEWS).fill(undefined);
let outViewNext = 0;

/** target[0 … length) ← heap[at … at+length), through a cached view of that window. */
function copyOut(heap: FloatArray, at: number, target: FloatArray, length: number): void {
  const byteOffset = at * heap.BYTES_PER_ELEMENT;
  const double = heap instanceof Float64Array;
  for (let v = 0; v < OUT_VIEWS; v++) {
    const view = outViews[v];
    if (
      view !== undefined &&
      view.buffer === heap.buffer &&
      view.length === length &&
      view.byteOffset === byteOffset &&
      view instanceof Float64Array === double
    ) {
      target.set(view);
      return;
    }
  }
  const view = heap.subarray(at, at + length);
  outViews[outViewNext] = view;
  outViewNext = (outViewNext + 1) % OUT_VIEWS;
  target.set(view);
}

function runGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
  slope: FloatArray | undefined,
  kind: number,
  leak: number,
  threads: 'auto' | 'single',
  prepacked: WasmPackedOperand | undefined,
): void {
  const engine = getEngine();
  const { memory, kernels, workspace } = engine;
  const double = prepacked ? prepacked.double : a instanceof Float64Array || b instanceof Float64Array || c instanceof Float64Array;
  const size = double ? 8 : 4;
  // Resident operands are used in place; the others get a slot in the staging area. A prepacked
  // operand replaces A (which is then not read: the caller passes B in its place).
  const aResident = prepacked ? 0 : residentOffset(a, double);
  const bResident = residentOffset(b, double);
  const cResident = residentOffset(c, double);
  const sResident = slope ? residentOffset(slope, double) : 0;
  const aBytes = aResident < 0 ? alignUp(m * k * size) : 0;
  const bBytes = bResident < 0 ? alignUp(k * n * size) : 0;
  const cBytes = cResident < 0 ? alignUp(m * n * size) : 0;
  const sBytes = sResident < 0 ? alignUp(m * n * size) : 0;
  const base = aBytes + bBytes + cBytes + sBytes > 0 ? stage(engine, aBytes + bBytes + cBytes + sBytes) : 0;
  const aOffset = aResident < 0 ? base : aResident;
  const bOffset = bResident < 0 ? base + aBytes : bResident;
  const cOffset = cResident < 0 ? base + aBytes + bBytes : cResident;
  const sOffset = sResident < 0 ? base + aBytes + bBytes + cBytes : sResident;
  const act = slope ? kind : -1;

  // Rows of C per thread, in whole tiles; the workers that are ready take the later row blocks.
  let slotCount = 0;
  const current = threads === 'auto' && m * n * k >= GEMM_THREADS_MIN_WORK ? getPool(engine) : undefined;
  if (current) {
    const limit = Math.min(MAX_SLOTS, Math.floor(m / ROW_QUANTUM) - 1);
    for (let slot = 0; slot < current.workers.length && slotCount < limit; slot++) {
      if (Atomics.load(current.ints, slot * SLOT_INTS + READY) === 1) callSlots[slotCount++] = slot;
    }
  }
  const rowsPerThread = Math.ceil(m / (slotCount + 1) / ROW_QUANTUM) * ROW_QUANTUM;
  const workspaceBytes = alignUp(kernels.workspaceBytes());

  const heap = heapFor(memory.buffer, double);
  if (aResident < 0) copyIn(heap, aOffset / size, a, m * k);
  if (bResident < 0) copyIn(heap, bOffset / size, b, k * n);
  const cAt = cOffset / size;
  // beta = 0 makes the kernel overwrite C, so its old contents need not be copied in.
  if (beta !== 0 && cResident < 0) copyIn(heap, cAt, c, m * n);
  // A mask is read by the epilogue; σ'(C) is only written.
  if (slope && sResident < 0 && act === MASK) copyIn(heap, sOffset / size, slope, m * n);
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const tA = transA ? 1 : 0;
  const tB = transB ? 1 : 0;

  // Post the workers' row blocks: op(A) rows start i0 rows (or, transposed, columns) into A.
  let postedCount = 0;
  if (current) {
    const { ints, floats } = current;
    for (let index = 0; index < slotCount; index++) {
      const slot = callSlots[index];
      const i0 = (index + 1) * rowsPerThread;
      const rows = Math.min(rowsPerThread, m - i0);
      if (rows <= 0) continue;
      const base = slot * SLOT_INTS;
      const job = jobFields;
      job[0] = double ? 0 : 1;
      job[1] = tA;
      job[2] = tB;
      job[3] = rows;
      job[4] = n;
      job[5] = k;
      job[6] = aOffset + (transA ? i0 : i0 * lda) * size;
      job[7] = lda;
      job[8] = bOffset;
      job[9] = ldb;
      job[10] = cOffset + i0 * n * size;
      job[11] = n;
      job[12] = engine.workerWorkspaces + slot * workspaceBytes;
      for (let f = 0; f < job.length; f++) ints[base + JOB + f] = job[f];
      ints[base + ACTIVATION] = act;
      ints[base + ACTIVATION + 1] = sOffset + i0 * n * size;
      ints[base + ACTIVATION + 2] = rows * n;
      floats[slot * (SLOT_BYTES / 8) + ALPHA] = alpha;
      floats[slot * (SLOT_BYTES / 8) + BETA] = beta;
      floats[slot * (SLOT_BYTES / 8) + LEAK] = leak;
      ints[base + PREPACKED] = prepacked ? prepacked.offset : 0;
      ints[base + PREPACKED + 1] = prepacked ? prepacked.rows : 0;
      ints[base + PREPACKED + 2] = i0;
      const seq = (ints[base + SEQ] + 1) | 0;
      Atomics.store(ints, base + SEQ, seq);
      Atomics.notify(ints, base + SEQ);
      callSlots[postedCount] = slot;
      callSequences[postedCount++] = seq;
    }
  }

  const own = Math.min(rowsPerThread, m);
  const run = double ? kernels.dgemm : kernels.sgemm;
  run(
    tA, tB, own, n, k, alpha, aOffset, lda, bOffset, ldb, beta, cOffset, n, workspace,
    prepacked ? prepacked.offset : 0, prepacked ? prepacked.rows : 0, 0, act, leak, sOffset,
  );

  if (current) {
    const { ints } = current;
    let failed = false;
    for (let p = 0; p < postedCount; p++) {
      const seq = callSequences[p];
      const base = callSlots[p] * SLOT_INTS;
      for (let done = Atomics.load(ints, base + DONE); done !== seq; done = Atomics.load(ints, base + DONE)) {
        Atomics.wait(ints, base + DONE, done);
      }
      if (ints[base + STATUS] !== 0) failed = true;
    }
    if (failed) throw new Error('wasm kernels: a gemm worker thread failed');
  }
  if (cResident < 0) copyOut(heap, cAt, c, m * n);
  if (slope && sResident < 0 && act !== MASK) copyOut(heap, sOffset / size, slope, m * n);
}
