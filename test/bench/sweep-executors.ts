/*
 * Sweep executors (issue 7): a sweep of small uv runs (64 by default) through
 *   - the local worker-thread pool with 1 worker and with 2 workers (target: 2 workers ≥ 1.8× the
 *     throughput of 1), and
 *   - the BullMQ queue on a real Redis (a redis-server started here on a free port, no
 *     persistence) served by 2 `tdlab worker` processes (target: within 10% of the 2-worker pool).
 *
 *   node --conditions=@tdlab/source --import tsx test/bench/sweep-executors.ts
 *        [--runs 64] [--width 5000] [--steps 3000] [--only local|queue]
 *
 * Each executor first runs a warm-up batch (one run per worker: thread/process start, module
 * loading, JIT), then the timed sweep; throughput = runs / wall-clock seconds from submitting the
 * sweep to its last result. Worker-process start-up is not timed. Needs ≥ 2 cores to mean
 * anything; the queue half is skipped when redis-server is not on PATH. Exit status 0 whether or
 * not the targets are met (a benchmark, not a test).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runId } from '@tdlab/core';
import { LocalExecutor } from '../../packages/cli/src/sweep/local-executor.js';
import { QueueExecutor } from '../../packages/cli/src/sweep/queue-executor.js';
import type { PlannedRun, SweepExecutor, SweepPlan } from '../../packages/cli/src/sweep/sweep-types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '64' },
    width: { type: 'string', default: '5000' },
    steps: { type: 'string', default: '3000' },
    only: { type: 'string' },
  },
});
const count = Number(values.runs);
const width = Number(values.width);
const steps = Number(values.steps);

function runs(name: string, n: number): PlannedRun[] {
  return Array.from({ length: n }, (_, index) => {
    const lr = 0.5 + (index % 16) * 0.25;
    const seed = Math.floor(index / 16);
    const spec = {
      name,
      seed,
      data: { use: 'single-example', x: [1], y: 0 },
      model: { use: 'uv', width },
      loss: { use: 'mse', reduction: 'sum', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: { normalized: lr } },
      steps,
      probes: [{ use: 'loss' }],
    };
    return { id: runId(name, spec), spec, axes: { 'schedule.lr.normalized': lr, seed } };
  });
}

/** Runs the sweep, returns runs per second (and checks every run came back once). */
async function throughput(executor: SweepExecutor, planned: PlannedRun[]): Promise<number> {
  const plan: SweepPlan = { name: 'bench', baseDir: root, axes: ['schedule.lr.normalized', 'seed'], runs: planned };
  const seen = new Set<string>();
  const failures: string[] = [];
  const start = performance.now();
  await executor.execute(plan, planned, {
    finished: (result) => {
      if (seen.has(result.id)) throw new Error(`run ${result.id} finished twice`);
      seen.add(result.id);
    },
    failed: (run, error) => failures.push(`${run.id}: ${error}`),
  });
  const seconds = (performance.now() - start) / 1000;
  if (failures.length > 0) throw new Error(`runs failed:\n${failures.join('\n')}`);
  if (seen.size !== planned.length) throw new Error(`${seen.size} of ${planned.length} runs came back`);
  return planned.length / seconds;
}

async function local(workers: number): Promise<number> {
  const executor = new LocalExecutor({ workers });
  try {
    await throughput(executor, runs(`warm-local-${workers}`, workers));
    return await throughput(executor, runs(`local-${workers}`, count));
  } finally {
    await executor.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function waitForLine(child: ChildProcess, text: string, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((done, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${what}:\n${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        done();
      }
    });
    child.once('exit', (code) => fail(new Error(`${what} exited (${code}):\n${output}`)));
  });
}

async function queue(workers: number): Promise<number> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(redis);
  try {
    await waitForLine(redis, 'Ready to accept connections', 'redis-server', 10_000);
    const started: Promise<void>[] = [];
    for (let index = 0; index < workers; index++) {
      const worker = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), 'worker', '--queue', url], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(worker);
      started.push(waitForLine(worker, ': serving queue', `worker ${index + 1}`));
    }
    await Promise.all(started);
    const executor = new QueueExecutor({ url, reconcileIntervalMs: 1000 });
    await throughput(executor, runs('warm-queue', workers));
    return await throughput(executor, runs('queue', count));
  } finally {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }
}

const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const fmt = (x: number) => x.toFixed(2);
const started = performance.now();
console.log(`sweep executors: ${count} uv runs (width ${width}, ${steps} steps); ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`);

let local2: number | undefined;
if (values.only === undefined || values.only === 'local') {
  const local1 = await local(1);
  console.log(`  local pool, 1 worker:   ${fmt(local1)} runs/s`);
  local2 = await local(2);
  console.log(`  local pool, 2 workers:  ${fmt(local2)} runs/s`);
  const ratio = local2 / local1;
  console.log(`  2 vs 1 worker:          ${fmt(ratio)}×  (target ≥ 1.80: ${ratio >= 1.8 ? 'met' : 'missed'})`);
}
if (values.only === undefined || values.only === 'queue') {
  if (!hasRedis) {
    console.log('  queue: skipped (redis-server is not on PATH)');
  } else {
    const queue2 = await queue(2);
    console.log(`  queue, 2 worker procs:  ${fmt(queue2)} runs/s`);
    if (local2 !== undefined) {
      const ratio = queue2 / local2;
      console.log(`  queue vs local (2):     ${fmt(ratio)}×  (target ≥ 0.90: ${ratio >= 0.9 ? 'met' : 'missed'})`);
    }
  }
}
console.log(`  (bench took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
