import { runId } from '@tdlab/core';
import { describe, expect, it } from 'vitest';
import { executeRun, isRunCancelled } from './execute-run.js';
import type { PlannedRun } from './sweep-types.js';

function uvRun(r: number, steps = 200, extra: Record<string, unknown> = {}): PlannedRun {
  const spec = {
    name: 'uv-exec',
    seed: 0,
    data: { use: 'single-example', x: [1], y: 0 },
    model: { use: 'uv', width: 100 },
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
    probes: [{ use: 'loss' }],
    ...extra,
  };
  return { id: runId(spec.name, spec), spec, axes: { 'schedule.lr.normalized': r } };
}

describe('executeRun', () => {
  it('returns the run directory of tdlab run as text (spec.json, metrics.jsonl, summary.json, sink files) and its summary', async () => {
    const run = uvRun(3, 100, { sinks: [{ use: 'csv', path: 'metrics.csv' }, { use: 'console' }] });
    const result = await executeRun(run, process.cwd());
    expect(result.id).toBe(run.id);
    expect(Object.keys(result.files)).toEqual(['metrics.csv', 'metrics.jsonl', 'spec.json', 'summary.json']);
    expect(result.summary.run).toBe(run.id);
    expect(result.summary.normalizedLr).toBeCloseTo(3, 10);
    expect(JSON.parse(result.files['summary.json']).run).toBe(run.id);
    expect(result.files['metrics.jsonl'].trimEnd().split('\n')).toHaveLength(101);
  });

  it('a cancelled run is an error, not a result', async () => {
    const controller = new AbortController();
    const pending = executeRun(uvRun(1, 50_000_000), process.cwd(), controller.signal);
    setTimeout(() => controller.abort(), 100);
    const error = await pending.then(
      () => undefined,
      (problem: unknown) => problem,
    );
    expect(isRunCancelled(error)).toBe(true);
    const aborted = new AbortController();
    aborted.abort();
    await expect(executeRun(uvRun(1), process.cwd(), aborted.signal)).rejects.toMatchObject({ name: 'RunCancelledError' });
  });
});
