import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray, Precision } from '@tdlab/tensor';

/*
 * The plumbing shared by the workloads: timing, the numpy side (a reference script run on the
 * inputs tdlab generated, in a temp dir of raw little-endian binaries) and the agreement measure.
 */

/** One workload at one precision and size, with its inputs generated and its buffers allocated. */
export interface BenchCase {
  /** Shapes and scalars the reference script needs (written to meta.json with dtype, warmup, reps). */
  readonly meta: Readonly<Record<string, number>>;
  /** Arrays handed to the reference script as `<name>.bin`, in the run's precision. */
  readonly inputs: Readonly<Record<string, FloatArray>>;
  /** Untimed, before every repetition: restores the starting state (θ₀, the start vector, ...). */
  reset(): void;
  /** The timed work of one repetition. */
  run(): void;
  /** The result of the last repetition, in the run's precision (the script writes the same). */
  result(): FloatArray;
  /** Error of tdlab's result against numpy's, in the measure the workload's README entry states. */
  error(ours: FloatArray, theirs: FloatArray): number;
  /**
   * Optional, run after tdlab's timed runs: for a workload whose issue-3 target is not the ratio to
   * numpy (W4: the NQM step against the network's own GD step), measures what that target needs.
   * `target` fills the row's target cell; `note` is printed under the table.
   */
  extra?(own: Timing, settings: TimingSettings): Promise<{ readonly target: string; readonly note: string }>;
}

/** How compare.ts times each case (for a BenchCase's `extra` measurements). */
export interface TimingSettings {
  readonly warmup: number;
  readonly reps: number;
  readonly budgetMs: number;
}

export interface Workload {
  /** 'W1', 'W2', ... (what `--only` matches). */
  readonly id: string;
  readonly title: (quick: boolean) => string;
  /** Issue 3's target for the ratio tdlab median / numpy median (none for W4: see BenchCase.extra). */
  readonly target?: number;
  /** Largest `error` at which both sides count as computing the same numbers. */
  readonly tolerance: Readonly<Record<Precision, number>>;
  /** Reference script, relative to test/bench/reference. */
  readonly script: string;
  prepare(precision: Precision, quick: boolean): BenchCase;
}

export interface Timing {
  /** Wall time of each timed run, in milliseconds. */
  readonly times: readonly number[];
  readonly median: number;
  /** CPU time of the whole process (all threads) over wall time, summed over the timed runs. */
  readonly cores: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Lets the event loop turn between runs (untimed), as it does in any real program. tdlab's kernels
 * start their worker threads in the background; in a loop that never yielded they were never seen
 * in use (CPU time = wall time), so a fully synchronous benchmark would time the one-core path.
 */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * `warmup` untimed repetitions, then `reps` timed ones (reset excluded). When a warm-up run shows
 * that `reps` runs would take longer than `budgetMs`, fewer are timed, but never fewer than 3 (so
 * the median still discards one outlier).
 */
export async function timeCase(
  bench: BenchCase,
  warmup: number,
  reps: number,
  budgetMs = Number.POSITIVE_INFINITY,
): Promise<Timing> {
  let last = 0;
  for (let i = 0; i < warmup; i++) {
    bench.reset();
    const start = performance.now();
    bench.run();
    last = performance.now() - start;
    await pause();
  }
  const count = last > 0 ? Math.min(reps, Math.max(3, Math.floor(budgetMs / last))) : reps;
  const times: number[] = [];
  let cpu = 0;
  for (let i = 0; i < count; i++) {
    bench.reset();
    await pause();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    bench.run();
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu += (used.user + used.system) / 1000;
  }
  const wall = times.reduce((a, b) => a + b, 0);
  return { times, median: median(times), cores: wall > 0 ? cpu / wall : Number.NaN };
}

/** max |a − b| / max |b − base| (base = 0 by default): the error measured against b's scale. */
export function maxRelativeError(a: FloatArray, b: FloatArray, base?: FloatArray): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    // A NaN on either side must fail the check, and NaN comparisons are false.
    diff = d > diff || Number.isNaN(d) ? d : diff;
    scale = Math.max(scale, Math.abs(b[i] - (base ? base[i] : 0)));
  }
  if (Number.isNaN(diff)) return Number.NaN;
  return diff === 0 ? 0 : diff / scale;
}

// ---- numpy side -----------------------------------------------------------------------------

const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'reference');

export interface Python {
  readonly command: string;
  readonly numpyVersion: string;
}

/**
 * The first of $TDLAB_BENCH_PYTHON, python3, /usr/bin/python3 that imports numpy (the python3 first
 * on PATH is not always the one numpy is installed for).
 */
export function findPython(): Python | undefined {
  const candidates = [process.env.TDLAB_BENCH_PYTHON, 'python3', '/usr/bin/python3'];
  for (const command of candidates) {
    if (!command) continue;
    const probe = spawnSync(command, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { command, numpyVersion: probe.stdout.trim() };
  }
  return undefined;
}

function bytesOf(array: FloatArray): Uint8Array {
  // Typed arrays use the platform's byte order, little-endian on every platform Node runs on here.
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function readFloats(path: string, precision: Precision): FloatArray {
  const bytes = readFileSync(path);
  // Copy into a fresh, aligned buffer: a Buffer may sit at any offset of a shared pool.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return precision === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
}

export interface ReferenceRun extends Timing {
  readonly result: FloatArray;
}

/**
 * Runs `reference/<script> <dir>` on the case's inputs. The script reads dir/meta.json and
 * dir/<name>.bin, times its own repetitions, writes dir/result.bin and prints
 * {"times_ms": [...], "cpu_ms": [...]} (wall and process CPU time of each timed run).
 */
export function runReference(
  python: Python,
  script: string,
  bench: BenchCase,
  precision: Precision,
  warmup: number,
  reps: number,
): ReferenceRun {
  const dir = mkdtempSync(join(tmpdir(), 'tdlab-bench-'));
  try {
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...bench.meta, dtype: precision, warmup, reps }));
    for (const [name, array] of Object.entries(bench.inputs)) writeFileSync(join(dir, `${name}.bin`), bytesOf(array));
    const child = spawnSync(python.command, [join(REFERENCE_DIR, script), dir], {
      encoding: 'utf8',
      // No __pycache__ inside the repo.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (child.status !== 0) {
      throw new Error(`${script} exited with ${child.status ?? child.signal}:\n${child.stderr}`);
    }
    const lines = child.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]) as { times_ms: number[]; cpu_ms: number[] };
    const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
    return {
      times: report.times_ms,
      median: median(report.times_ms),
      cores: sum(report.cpu_ms) / sum(report.times_ms),
      result: readFloats(join(dir, 'result.bin'), precision),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
