// momentum, nesterov, adam, adamw and normalized-gd in real runs of the core trainer on the core
// test model f(θ; x) = θ·x (½·mean MSE), replayed step by step from a hand-computed gradient.
import { type StepEvent, Tdlab } from '@tdlab/core';
import { linearModelPlugin } from '@tdlab/core/testing';
import dataPlugin from '@tdlab/plugin-data';
import schedulesPlugin from '@tdlab/plugin-schedules';
import { type FloatArray, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import optimizersPlugin, { Adam, MinibatchSgd, Momentum, NormalizedGradientDescent, type StatefulOptimizer } from './index.js';

const tdlab = new Tdlab([dataPlugin, optimizersPlugin, schedulesPlugin, linearModelPlugin]);

interface Snapshot {
  readonly lr: number;
  readonly loss: number;
  readonly params: Float64Array;
  readonly x: FloatArray;
  readonly y: FloatArray;
}

function run(overrides: Record<string, unknown>): Promise<Snapshot[]> {
  const spec = {
    name: 'optimizers-e2e',
    seed: 4,
    data: { use: 'gaussian-teacher', n: 12, d: 3 },
    model: { use: 'linear' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: 1 } },
    steps: 100,
    ...overrides,
  };
  return new Promise((resolve, reject) => {
    const snapshots: Snapshot[] = [];
    tdlab.run(spec).subscribe({
      next: (event: StepEvent) =>
        snapshots.push({
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

/** Xᵦᵀ(Xᵦθ − yᵦ)/|B|: the gradient of ½·mean MSE over the rows in `rows`. */
function gradient(theta: Float64Array, x: FloatArray, y: FloatArray, rows: ArrayLike<number>): Float64Array {
  const d = theta.length;
  const out = new Float64Array(d);
  for (let b = 0; b < rows.length; b++) {
    const i = rows[b];
    let f = 0;
    for (let j = 0; j < d; j++) f += x[i * d + j] * theta[j];
    for (let j = 0; j < d; j++) out[j] += (x[i * d + j] * (f - y[i])) / rows.length;
  }
  return out;
}

/**
 * Replays the run with a fresh optimizer and checks every step to 1e-12. Each step starts from the
 * trainer's own θₜ (the optimizer state carries over), so rounding differences in the gradient do
 * not compound — normalized-gd near the minimum would amplify them.
 */
function expectReplay(events: Snapshot[], replay: StatefulOptimizer, rowsOf: (step: number) => ArrayLike<number>): void {
  const { x, y } = events[0];
  for (let t = 0; t + 1 < events.length; t++) {
    const theta = Float64Array.from(events[t].params);
    replay.update(theta, gradient(theta, x, y, rowsOf(t)), events[t].lr, t);
    for (let j = 0; j < theta.length; j++) {
      expect(Math.abs(events[t + 1].params[j] - theta[j])).toBeLessThan(1e-12 * (1 + Math.abs(theta[j])));
    }
  }
}

const allRows = Array.from({ length: 12 }, (_, i) => i);

describe('stateful optimizers in the core trainer', () => {
  it.each([
    ['momentum', { use: 'momentum' }, () => new Momentum(3, 0.9)],
    ['nesterov', { use: 'nesterov', beta: 0.8 }, () => new Momentum(3, 0.8, true)],
    ['momentum with weight decay', { use: 'momentum', weightDecay: 0.01 }, () => new Momentum(3, 0.9, false, 0.01)],
  ] as const)('%s at r = 1 (η = 1/λ₀): replays by hand and converges', async (_, optimizer, replay) => {
    const events = await run({ optimizer });
    expect(events).toHaveLength(101);
    expectReplay(events, replay(), () => allRows);
    expect(events[100].loss).toBeLessThan(events[0].loss * 1e-3);
  });

  it.each([
    ['adam', { use: 'adam' }, () => new Adam(3)],
    ['adamw', { use: 'adamw', weightDecay: 1e-4 }, () => new Adam(3, 0.9, 0.999, 1e-8, 1e-4, true)],
    ['adam with L2', { use: 'adam', weightDecay: 1e-4, beta1: 0.8 }, () => new Adam(3, 0.8, 0.999, 1e-8, 1e-4)],
  ] as const)('%s with η = 0.05: replays by hand and converges', async (_, optimizer, replay) => {
    const events = await run({ optimizer, schedule: { use: 'constant', lr: 0.05 }, steps: 300 });
    expectReplay(events, replay(), () => allRows);
    expect(events[300].loss).toBeLessThan(events[0].loss * 1e-2);
  });

  it('normalized-gd: every step has length η, replays by hand, and the loss falls', async () => {
    const events = await run({ optimizer: { use: 'normalized-gd' }, schedule: { use: 'constant', lr: 0.02 }, steps: 400 });
    expectReplay(events, new NormalizedGradientDescent(3), () => allRows);
    for (let t = 0; t < 400; t++) {
      const length = Math.hypot(...events[t + 1].params.map((p, j) => p - events[t].params[j]));
      expect(Math.abs(length - 0.02)).toBeLessThan(1e-14);
    }
    expect(events[400].loss).toBeLessThan(events[0].loss * 1e-2);
  });

  it('momentum with batchSize takes sgd’s minibatches from the run’s optimizer stream', async () => {
    const events = await run({ optimizer: { use: 'momentum', batchSize: 5, beta: 0.5 }, schedule: { use: 'constant', lr: { normalized: 0.5 } }, steps: 40 });
    const order = new MinibatchSgd(5, new Rng(4).derive('optimizer'));
    const rows = new Int32Array(5);
    expectReplay(events, new Momentum(3, 0.5), (t) => {
      order.selectBatch(t, 12, rows);
      return rows;
    });
  });

  it('adam with batchSize ≥ n is full-batch adam, bit for bit', async () => {
    const full = await run({ optimizer: { use: 'adam' }, schedule: { use: 'constant', lr: 0.05 }, steps: 20 });
    const batched = await run({ optimizer: { use: 'adam', batchSize: 12 }, schedule: { use: 'constant', lr: 0.05 }, steps: 20 });
    expect(batched.map((e) => e.loss)).toEqual(full.map((e) => e.loss));
  });

  it('study validation reports unknown and bad options of these optimizers', () => {
    const study = (optimizer: Record<string, unknown>) => ({
      name: 'bad',
      seed: 0,
      data: { use: 'gaussian-teacher', n: 8, d: 2 },
      model: { use: 'linear' },
      loss: { use: 'mse', reduction: 'mean', half: true },
      optimizer,
      schedule: { use: 'constant', lr: 0.1 },
      steps: 1,
    });
    expect(() => tdlab.validate(study({ use: 'adam', betas: [0.9, 0.999] }))).toThrow(/optimizer\.betas/);
    expect(() => tdlab.validate(study({ use: 'momentum', beta: 1 }))).toThrow(/optimizer\.beta/);
    expect(() => tdlab.validate(study({ use: 'normalized-gd', batchSize: 0 }))).toThrow(/optimizer\.batchSize/);
    expect(() => tdlab.validate(study({ use: 'adamw', weightDecay: 0.01, beta2: 0.99 }))).not.toThrow();
  });
});
