// The three first-party plugins (data, optimizers, schedules) in real runs of the core trainer, with
// a linear model f(θ; x) = θ·x whose gradient steps are easy to replay by hand.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunOptions, type StepEvent, Tdlab } from '@tdlab/core';
import { linearModelPlugin } from '@tdlab/core/testing';
import dataPlugin from '@tdlab/plugin-data';
import schedulesPlugin from '@tdlab/plugin-schedules';
import { type FloatArray, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import optimizersPlugin, { MinibatchSgd } from './index.js';

const tdlab = new Tdlab([dataPlugin, optimizersPlugin, schedulesPlugin, linearModelPlugin]);

interface Snapshot {
  readonly step: number;
  readonly lr: number;
  readonly loss: number;
  readonly params: Float64Array;
  readonly x: FloatArray;
  readonly y: FloatArray;
}

function run(overrides: Record<string, unknown>, options: RunOptions = {}): Promise<Snapshot[]> {
  const spec = {
    name: 'plugins-e2e',
    seed: 4,
    data: { use: 'gaussian-teacher', n: 12, d: 3 },
    model: { use: 'linear' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: 1 } },
    steps: 30,
    ...overrides,
  };
  return new Promise((resolve, reject) => {
    const snapshots: Snapshot[] = [];
    tdlab.run(spec, options).subscribe({
      next: (event: StepEvent) =>
        snapshots.push({
          step: event.step,
          lr: event.lr,
          loss: event.loss,
          params: Float64Array.from(event.state.params),
          x: event.state.data.train.x,
          y: event.state.data.train.y,
        }),
      error: reject,
      complete: () => resolve(snapshots),
    });
  });
}

/** θ − η(Xᵦᵀ(Xᵦθ − yᵦ)/|B| + λθ) for ½·mean over the rows in `rows`. */
function manualStep(theta: Float64Array, x: FloatArray, y: FloatArray, rows: ArrayLike<number>, lr: number, weightDecay = 0): Float64Array {
  const d = theta.length;
  const gradient = new Float64Array(d);
  for (let b = 0; b < rows.length; b++) {
    const i = rows[b];
    let f = 0;
    for (let j = 0; j < d; j++) f += x[i * d + j] * theta[j];
    for (let j = 0; j < d; j++) gradient[j] += (x[i * d + j] * (f - y[i])) / rows.length;
  }
  return theta.map((t, j) => t - lr * (gradient[j] + weightDecay * t));
}

function expectClose(actual: Float64Array, expected: Float64Array): void {
  for (let j = 0; j < actual.length; j++) expect(Math.abs(actual[j] - expected[j])).toBeLessThan(1e-12 * (1 + Math.abs(expected[j])));
}

const allRows = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('gd, sgd and constant in the core trainer', () => {
  it('gd + constant on gaussian-teacher: every step is θ − η∇L with η = r/λ₀, and the loss falls', async () => {
    const events = await run({});
    expect(events).toHaveLength(31);
    const lr = events[0].lr;
    expect(events.every((event) => event.lr === lr)).toBe(true);
    for (let t = 0; t < 30; t++) expectClose(events[t + 1].params, manualStep(events[t].params, events[0].x, events[0].y, allRows(12), lr));
    expect(events[30].loss).toBeLessThan(events[0].loss * 0.1);
  });

  it('gd weight decay reaches the trainer', async () => {
    const events = await run({ optimizer: { use: 'gd', weightDecay: 0.1 } });
    const { x, y, lr } = events[0];
    for (let t = 0; t < 30; t++) expectClose(events[t + 1].params, manualStep(events[t].params, x, y, allRows(12), lr, 0.1));
  });

  it('sgd: the trainer takes the minibatches selectBatch chooses, from the run’s optimizer stream', async () => {
    const events = await run({ optimizer: { use: 'sgd', batchSize: 5 }, steps: 20 });
    const replay = new MinibatchSgd(5, new Rng(4).derive('optimizer'));
    const rows = new Int32Array(5);
    const { x, y, lr } = events[0];
    for (let t = 0; t < 20; t++) {
      replay.selectBatch(t, 12, rows);
      expectClose(events[t + 1].params, manualStep(events[t].params, x, y, rows, lr));
    }
  });

  it('sgd is reproducible for a seed and differs across seeds', async () => {
    const a = await run({ optimizer: { use: 'sgd', batchSize: 4 } });
    const b = await run({ optimizer: { use: 'sgd', batchSize: 4 } });
    expect(b.map((e) => e.loss)).toEqual(a.map((e) => e.loss));
    const c = await run({ optimizer: { use: 'sgd', batchSize: 4 }, seed: 5 });
    expect(c.map((e) => e.loss)).not.toEqual(a.map((e) => e.loss));
  });

  it('sgd with batchSize ≥ n is full-batch gradient descent, bit for bit', async () => {
    const gd = await run({});
    const sgd = await run({ optimizer: { use: 'sgd', batchSize: 12 } });
    const larger = await run({ optimizer: { use: 'sgd', batchSize: 100 } });
    expect(sgd.map((e) => e.loss)).toEqual(gd.map((e) => e.loss));
    expect(larger.map((e) => e.loss)).toEqual(gd.map((e) => e.loss));
  });

  it('single-example, sign-teacher and two-clusters all train', async () => {
    for (const data of [{ use: 'single-example', x: [1, 2], y: 1 }, { use: 'sign-teacher', n: 16, d: 10 }, { use: 'two-clusters' }]) {
      const events = await run({ data, steps: 5 });
      expect(events).toHaveLength(6);
      expect(Number.isFinite(events[5].loss)).toBe(true);
    }
  });

  it('from-file resolves its path against the run’s baseDir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-e2e-'));
    try {
      writeFileSync(join(dir, 'train.csv'), 'a,b,y\n1,0,1\n0,1,-1\n1,1,0\n');
      const events = await run({ data: { use: 'from-file', path: 'train.csv' }, steps: 3 }, { baseDir: dir });
      expect([...events[0].x]).toEqual([1, 0, 0, 1, 1, 1]);
      expect([...events[0].y]).toEqual([1, -1, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('study validation reports bad options of these plugins, nested ones included', () => {
    expect(() =>
      tdlab.validate({
        name: 'bad',
        seed: 0,
        data: { use: 'gaussian-teacher', n: 8, d: 2, eval: { n: 4, m: 1 } },
        model: { use: 'linear' },
        loss: { use: 'mse', reduction: 'sum', half: true },
        optimizer: { use: 'sgd', batchSize: 0 },
        schedule: { use: 'constant', lr: 0.1, warmup: 3 },
        steps: 1,
      }),
    ).toThrow(/data\.eval\.m[\s\S]*optimizer\.batchSize[\s\S]*schedule\.warmup/);
  });
});
