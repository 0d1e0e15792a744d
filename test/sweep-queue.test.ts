import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@tdlab/cli';
import { runId } from '@tdlab/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueExecutor } from '../packages/cli/src/sweep/queue-executor.js';
import type { PlannedRun, RunResult, SweepPlan } from '../packages/cli/src/sweep/sweep-types.js';
import { workerCommand } from '../packages/cli/src/sweep/worker-command.js';

/**
 * The queue executor on a real Redis (redis-server, started here on a free port with no
 * persistence) and real `tdlab worker` processes: two workers, one killed with SIGKILL in the middle
 * of a run; every run must come back to the submitter exactly once, the killed worker's run from
 * the other worker. `.ci/run` installs redis-server; without it on PATH the suite is skipped.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The job lock of the test workers: a killed worker's run is picked up again within ~2–6 s. */
const lockMs = 2000;

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout lines, with the time they arrived. */
  readonly lines: { at: number; line: string }[];
  stderr: string;
  exited: Promise<number | null>;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
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

function startWorker(url: string, t0: number): WorkerProcess {
  const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), 'worker', '--queue', url], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TDLAB_QUEUE_LOCK_MS: String(lockMs) },
  });
  const worker: WorkerProcess = {
    child,
    pid: child.pid!,
    lines: [],
    stderr: '',
    exited: new Promise((done) => child.on('exit', (code) => done(code))),
  };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const line of parts) worker.lines.push({ at: Date.now() - t0, line });
  });
  child.stderr!.on('data', (chunk: Buffer) => (worker.stderr += chunk.toString()));
  return worker;
}

/** Run ids named by a worker's `start` / `done` lines. */
function said(worker: WorkerProcess, verb: 'start' | 'done'): string[] {
  const pattern = new RegExp(`^worker ${worker.pid}: ${verb} (\\S+)`);
  return worker.lines.flatMap(({ line }) => {
    const match = pattern.exec(line);
    return match ? [match[1]] : [];
  });
}

/** A uv run of about a second (width 10000, 1200 steps): long enough to be killed in the middle. */
function uvSpec(name: string, seed: number, lr: number): Record<string, unknown> {
  return {
    name,
    seed,
    data: { use: 'single-example', x: [1], y: 0 },
    model: { use: 'uv', width: 10000 },
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: lr } },
    steps: 1200,
    probes: [{ use: 'loss' }],
  };
}

function plannedRuns(name: string, count: number): PlannedRun[] {
  return Array.from({ length: count }, (_, index) => {
    const seed = index >> 1;
    const lr = index % 2 === 0 ? 1 : 3;
    const spec = uvSpec(name, seed, lr);
    return { id: runId(name, spec), spec, axes: { seed, 'schedule.lr.normalized': lr } };
  });
}

/** Runs `runs` through a QueueExecutor and counts the `finished` calls per run id. */
async function submit(url: string, runs: PlannedRun[], log: string[]): Promise<{ finished: Map<string, RunResult[]>; failed: string[] }> {
  const finished = new Map<string, RunResult[]>();
  const failed: string[] = [];
  const plan: SweepPlan = { name: 'queue-test', baseDir: root, axes: ['seed', 'schedule.lr.normalized'], runs };
  const executor = new QueueExecutor({ url, log: (line) => log.push(line), reconcileIntervalMs: 1000 });
  try {
    await executor.execute(plan, runs, {
      finished: (result) => {
        finished.set(result.id, [...(finished.get(result.id) ?? []), result]);
      },
      failed: (run, error) => failed.push(`${run.id}: ${error}`),
    });
  } finally {
    await executor.close();
  }
  return { finished, failed };
}

describe.skipIf(!hasRedis)(`sweep queue executor on a real Redis${hasRedis ? '' : ' (skipped: redis-server is not on PATH; .ci/run installs it)'}`, () => {
  let redis: ChildProcess | undefined;
  let url = '';
  const workers: WorkerProcess[] = [];
  const t0 = Date.now();

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    redis.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('redis-server to accept connections', () => output.includes('Ready to accept connections'), 10_000);
    workers.push(startWorker(url, t0), startWorker(url, t0));
    await until('two workers serving the queue', () => workers.every((worker) => worker.lines.some(({ line }) => line.includes(': serving queue'))), 80_000);
  }, 90_000);

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    }
    await Promise.all(workers.map((worker) => worker.exited));
    if (redis && redis.exitCode === null) {
      redis.kill('SIGTERM');
      await new Promise((done) => redis!.once('exit', done));
    }
  });

  it('runs every run exactly once when a worker is killed in the middle of a run; the other worker takes its run', async () => {
    const runs = plannedRuns('queue-kill', 8);
    const [a, b] = workers;
    const log: string[] = [];
    const submission = submit(url, runs, log);

    // Kill the first worker to start a run, 300 ms into that run.
    await until('a worker to start a run', () => said(a, 'start').length + said(b, 'start').length > 0);
    const victim = said(a, 'start').length > 0 ? a : b;
    const survivor = victim === a ? b : a;
    await sleep(300);
    const killedAt = Date.now() - t0;
    const inFlight = said(victim, 'start').filter((id) => !said(victim, 'done').includes(id));
    victim.child.kill('SIGKILL');
    await victim.exited;

    const { finished, failed } = await submission;
    const doneAt = Date.now() - t0;
    expect(failed).toEqual([]);
    // Each run finished exactly once on the submitting side, with its own result.
    expect([...finished.keys()].sort()).toEqual(runs.map((run) => run.id).sort());
    for (const [id, results] of finished) {
      expect(results, id).toHaveLength(1);
      expect(results[0].summary.outcome).toBe('max-steps');
      expect(results[0].summary.steps).toBe(1200);
      expect(Object.keys(results[0].files).sort()).toEqual(['metrics.jsonl', 'spec.json', 'summary.json']);
    }
    // The killed worker was in the middle of one run; the survivor ran it (again) to the end.
    expect(inFlight).toHaveLength(1);
    const [orphan] = inFlight;
    expect(said(victim, 'done')).not.toContain(orphan);
    expect(said(survivor, 'start')).toContain(orphan);
    expect(said(survivor, 'done')).toContain(orphan);
    // No run completed twice across the workers.
    const completions = [...said(victim, 'done'), ...said(survivor, 'done')];
    expect(new Set(completions).size).toBe(completions.length);
    expect(completions.sort()).toEqual(runs.map((run) => run.id).sort());

    const retried = survivor.lines.find(({ line }) => line.includes(`start ${orphan}`));
    console.log(
      [
        `queue timeline (ms since the suite started):`,
        ...[victim, survivor].flatMap((worker) => worker.lines.map(({ at, line }) => `  ${String(at).padStart(6)} ${line}`)).sort((x, y) => Number(x.trim().split(' ')[0]) - Number(y.trim().split(' ')[0])),
        `  ${String(killedAt).padStart(6)} SIGKILL worker ${victim.pid} during ${orphan}`,
        `  ${String(doneAt).padStart(6)} submitter: all ${finished.size} runs finished once; ${orphan} re-run by worker ${survivor.pid} at ${retried?.at} ms`,
      ].join('\n'),
    );
    // A replacement worker for the next tests.
    workers.push(startWorker(url, t0));
    await until('the replacement worker', () => workers[2].lines.some(({ line }) => line.includes(': serving queue')), 60_000);
  }, 90_000);

  it('a second submission of the same runs returns the stored results without running them again', async () => {
    const runs = plannedRuns('queue-kill', 8);
    const startsBefore = workers.map((worker) => said(worker, 'start').length);
    const log: string[] = [];
    const { finished, failed } = await submit(url, runs, log);
    expect(failed).toEqual([]);
    expect([...finished.keys()].sort()).toEqual(runs.map((run) => run.id).sort());
    for (const results of finished.values()) expect(results).toHaveLength(1);
    expect(workers.map((worker) => said(worker, 'start').length)).toEqual(startsBefore);
    expect(log.join('\n')).toContain('0 run(s) submitted, 8 already completed');
  }, 30_000);

  it('two submitters racing over the same runs: each run is enqueued and run once', async () => {
    const runs = plannedRuns('queue-race', 4);
    const startsBefore = workers.flatMap((worker) => said(worker, 'start'));
    const [first, second] = await Promise.all([submit(url, runs, []), submit(url, runs, [])]);
    for (const { finished, failed } of [first, second]) {
      expect(failed).toEqual([]);
      expect([...finished.keys()].sort()).toEqual(runs.map((run) => run.id).sort());
      for (const results of finished.values()) expect(results).toHaveLength(1);
    }
    const starts = workers.flatMap((worker) => said(worker, 'start')).slice(startsBefore.length);
    expect(starts.sort()).toEqual(runs.map((run) => run.id).sort());
  }, 60_000);

  it('SIGTERM stops a worker gracefully: it releases its run (exit 0) and another worker runs it', async () => {
    const live = workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null);
    expect(live.length).toBeGreaterThanOrEqual(2);
    const runs = plannedRuns('queue-term', 4);
    const submission = submit(url, runs, []);
    const startsBefore = new Map(live.map((worker) => [worker, said(worker, 'start').length]));
    await until('a worker to start a run', () => live.some((worker) => said(worker, 'start').length > startsBefore.get(worker)!));
    const stopped = live.find((worker) => said(worker, 'start').length > startsBefore.get(worker)!)!;
    const [released] = said(stopped, 'start').slice(startsBefore.get(stopped)!);
    await sleep(300);
    stopped.child.kill('SIGTERM');
    expect(await stopped.exited).toBe(0);
    expect(stopped.lines.map(({ line }) => line)).toContain(`worker ${stopped.pid}: released ${released}`);
    expect(stopped.stderr).toBe('');
    const { finished, failed } = await submission;
    expect(failed).toEqual([]);
    expect([...finished.keys()].sort()).toEqual(runs.map((run) => run.id).sort());
    for (const results of finished.values()) expect(results).toHaveLength(1);
    const others = live.filter((worker) => worker !== stopped);
    expect(others.some((worker) => said(worker, 'done').includes(released))).toBe(true);
  }, 60_000);

  it('tdlab sweep --queue runs a sweep file through the workers and stores each run once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-queue-'));
    const study = join(dir, 'sweep.yaml');
    writeFileSync(
      study,
      [
        'name: queue-sweep',
        'seed: 0',
        'data: { use: single-example, x: [1], y: 0 }',
        'model: { use: uv, width: 2000 }',
        'loss: { use: mse, reduction: sum, half: true }',
        'optimizer: { use: gd }',
        'schedule: { use: constant, lr: { normalized: 1 } }',
        'steps: 300',
        'probes: [{ use: loss }]',
        'sweep:',
        '  grid:',
        '    schedule.lr.normalized: [1, 3, 5]',
        '    seed: [0, 1]',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const lines: string[] = [];
    expect(await main(['sweep', study, '--queue', url, '--out', out], (line) => lines.push(line))).toBe(0);
    const runDirs = readdirSync(join(out, 'runs'));
    expect(runDirs).toHaveLength(6);
    for (const id of runDirs) expect(existsSync(join(out, 'runs', id, 'summary.json'))).toBe(true);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(7);
    // Again: nothing left to run.
    const again: string[] = [];
    expect(await main(['sweep', study, '--queue', url, '--out', out], (line) => again.push(line))).toBe(0);
    expect(again.join('\n')).toContain('6 finished before, 0 to run');
  }, 60_000);

  it('fails within seconds, naming the URL, when Redis is unreachable', async () => {
    const port = await freePort();
    const dead = `redis://127.0.0.1:${port}`;
    const started = Date.now();
    await expect(submit(dead, plannedRuns('queue-dead', 1), [])).rejects.toThrow(`cannot reach Redis at ${dead}`);
    // workerCommand reports to stderr: capture it.
    const stderr = process.stderr.write;
    let errors = '';
    process.stderr.write = ((chunk: string) => {
      errors += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await workerCommand({ queue: dead, log: () => {} })).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await workerCommand({ queue: 'http://127.0.0.1:1', log: () => {} })).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(errors).toContain(`cannot reach Redis at ${dead}`);
    expect(errors).toContain('--queue must be a redis:// or rediss:// URL (was "http://127.0.0.1:1")');
  }, 20_000);
});
