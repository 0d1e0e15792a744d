import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { executeRun, isRunCancelled } from './execute-run.js';
import { sweepCommand } from './sweep-command.js';
import type { ExecutorProgress, PlannedRun, SweepExecutor, SweepPlan } from './sweep-types.js';

/** Runs in this process, one at a time, recording which runs it executed. */
class InProcessExecutor implements SweepExecutor {
  readonly executed: string[] = [];
  constructor(private readonly onFinished?: (count: number) => void) {}

  async execute(plan: SweepPlan, runs: readonly PlannedRun[], progress: ExecutorProgress, signal?: AbortSignal): Promise<void> {
    for (const run of runs) {
      if (signal?.aborted) return;
      progress.started?.(run);
      this.executed.push(run.id);
      try {
        await progress.finished(await executeRun(run, plan.baseDir, signal));
        this.onFinished?.(this.executed.length);
      } catch (error) {
        if (!isRunCancelled(error)) progress.failed?.(run, String(error));
      }
    }
  }
}

function sweepFile(dir: string, sweep: string, steps = 200): string {
  const file = join(dir, 'sweep.yaml');
  writeFileSync(
    file,
    [
      'name: uv-small',
      'seed: 0',
      'data: { use: single-example, x: [1], y: 0 }',
      'model: { use: uv, width: 100 }',
      'loss: { use: mse, reduction: sum, half: true }',
      'optimizer: { use: gd }',
      'schedule: { use: constant, lr: { normalized: 1 } }',
      `steps: ${steps}`,
      'stop: { lossBelow: 1.0e-12, lossAbove: 1.0e+8 }',
      'probes: [{ use: loss }]',
      'sinks: [{ use: csv, path: metrics.csv }]',
      `sweep: ${sweep}`,
    ].join('\n'),
  );
  return file;
}

describe('tdlab sweep (in process)', () => {
  it('runs every run once, resumes: a second invocation skips all, a run without summary.json is the only one re-run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-sweep-cmd-'));
    const file = sweepFile(dir, '{ grid: { schedule.lr.normalized: [1, 3, 5], seed: [0, 1] } }');
    const out = join(dir, 'out');
    const lines: string[] = [];
    const first = new InProcessExecutor();
    expect(await sweepCommand({ file, out, executor: first, log: (line) => lines.push(line) })).toBe(0);
    expect(first.executed).toHaveLength(6);
    const runs = readdirSync(join(out, 'runs')).sort();
    expect(runs).toEqual([...first.executed].sort());
    for (const id of runs) expect(readdirSync(join(out, 'runs', id)).sort()).toEqual(['metrics.csv', 'metrics.jsonl', 'spec.json', 'summary.json']);
    for (const name of ['plan.json', 'summary.csv', 'summary.parquet', 'phase-diagram.svg', 'phase-diagram.png']) expect(existsSync(join(out, name))).toBe(true);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv).toHaveLength(7);
    expect(csv[0].startsWith('id,schedule.lr.normalized,seed,outcome,')).toBe(true);
    expect(lines[0]).toContain('6 runs over schedule.lr.normalized, seed; 0 finished before, 6 to run');

    const second = new InProcessExecutor();
    lines.length = 0;
    expect(await sweepCommand({ file, out, executor: second, log: (line) => lines.push(line) })).toBe(0);
    expect(second.executed).toEqual([]);
    expect(lines[0]).toContain('6 finished before, 0 to run');

    const victim = runs[2];
    rmSync(join(out, 'runs', victim, 'summary.json'));
    const third = new InProcessExecutor();
    expect(await sweepCommand({ file, out, executor: third, log: () => {} })).toBe(0);
    expect(third.executed).toEqual([victim]);
    expect(existsSync(join(out, 'runs', victim, 'summary.json'))).toBe(true);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(7);
    rmSync(dir, { recursive: true, force: true });
  });

  it('interrupted: the running run is cancelled and not stored, finished runs are kept, exit 130; the next invocation resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-sweep-cmd-'));
    // At r = 10⁻⁶ the loss falls by 2·10⁻⁶ a step: 10⁸ steps would take many minutes.
    const file = sweepFile(dir, '{ zip: { schedule.lr.normalized: [1, 0.000001, 3], steps: [200, 100000000, 200] } }', 200);
    const out = join(dir, 'out');
    const controller = new AbortController();
    const executor = new InProcessExecutor((count) => {
      if (count === 1) setTimeout(() => controller.abort(), 300);
    });
    expect(await sweepCommand({ file, out, executor, signal: controller.signal, log: () => {} })).toBe(130);
    expect(executor.executed).toHaveLength(2);
    const stored = readdirSync(join(out, 'runs'));
    expect(stored).toEqual([executor.executed[0]]);
    const resumed = new InProcessExecutor();
    const patched = readFileSync(file, 'utf8').replace('100000000', '300');
    writeFileSync(file, patched);
    expect(await sweepCommand({ file, out, executor: resumed, log: () => {} })).toBe(0);
    expect(resumed.executed).toHaveLength(2);
    expect(resumed.executed).not.toContain(executor.executed[0]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bad input is exit 2 with every problem listed; tdlab run and validate on a sweep file point to tdlab sweep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-sweep-cmd-'));
    const file = sweepFile(dir, '{ grid: { model.widht: [100], model.width: [-1, 10] } }');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(['sweep', file, '--out', join(dir, 'out')], () => {})).toBe(2);
      expect(stderr.join('')).toContain('[model.widht=100, model.width=-1] model.width: must be positive (was -1)');
      stderr.length = 0;
      expect(await main(['sweep', sweepFile(dir, '{ grid: { modle.width: [100] } }')], () => {})).toBe(2);
      expect(stderr.join('')).toContain('sweep.grid.modle.width: the study has no modle');
      stderr.length = 0;
      const good = sweepFile(dir, '{ grid: { seed: [0, 1] } }');
      expect(await main(['run', good, '--out', join(dir, 'run')], () => {})).toBe(2);
      expect(stderr.join('')).toContain('sweep: this study has a sweep: section: run it with tdlab sweep');
      const lines: string[] = [];
      expect(await main(['validate', good], (line) => lines.push(line))).toBe(0);
      expect(lines.join('\n')).toContain('valid sweep — uv-small, 2 runs over seed');
      expect(existsSync(join(dir, 'run'))).toBe(false);
    } finally {
      process.stderr.write = write;
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
