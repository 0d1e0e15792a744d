import { firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../stream/step-event.js';
import { linearStudy, linearTestPlugin, RecordingSink } from '../testing/linear-test-plugin.js';
import { Tdlab } from './tdlab.js';

const kernel = new Tdlab([linearTestPlugin]);
// X = [[1,0],[0,2],[1,1]]: XᵀX = [[2,1],[1,5]], so the top eigenvalue of K = X Xᵀ is (7+√13)/2.
const topK = (7 + Math.sqrt(13)) / 2;

async function events(overrides: Record<string, unknown> = {}): Promise<StepEvent[]> {
  // Copy what is needed: the state's arrays are only valid during the emission.
  return lastValueFrom(kernel.run(linearStudy(overrides)).pipe(toArray()));
}

describe('trainer on a linear model (closed forms)', () => {
  it.each([
    ['sum', true, topK],
    ['sum', false, 2 * topK],
    ['mean', true, topK / 3],
    ['mean', false, (2 * topK) / 3],
  ] as const)('measures λ₀ of the NTK matched to the loss: %s, half=%s (papers.md §0)', async (reduction, half, expected) => {
    const [first] = await lastValueFrom(
      kernel.run(linearStudy({ loss: { use: 'mse', reduction, half } })).pipe(take(1), toArray()),
    );
    expect(first.state.lambda0).toBeCloseTo(expected, 10);
    expect(first.lr * expected).toBeCloseTo(1, 12); // lr: { normalized: 1 } means η = 1/λ₀
  });

  it('emits steps 0..steps, the last with outcome max-steps, and the loss falls monotonically below r = 2', async () => {
    const all = await events({ steps: 40 });
    expect(all.map((event) => event.step)).toEqual([...Array(41).keys()]);
    expect(all.at(-1)?.outcome).toBe('max-steps');
    expect(all.slice(0, -1).every((event) => event.outcome === undefined)).toBe(true);
    for (let t = 1; t < all.length; t++) expect(all[t].loss).toBeLessThanOrEqual(all[t - 1].loss + 1e-15);
  });

  it('one step is exactly θ − η·Jᵀ∂L/∂f', async () => {
    const snapshots: { params: number[]; gradient: number[] | undefined; lr: number }[] = [];
    await new Promise<void>((resolve) =>
      kernel.run(linearStudy({ steps: 1 })).subscribe({
        next: (event) => snapshots.push({ params: [...event.state.params], gradient: event.state.gradient && [...event.state.gradient], lr: event.lr }),
        complete: resolve,
      }),
    );
    const [s0, s1] = snapshots;
    expect(s1.params[0]).toBe(s0.params[0] - s0.lr * s0.gradient![0]);
    expect(s1.params[1]).toBe(s0.params[1] - s0.lr * s0.gradient![1]);
    expect(s1.gradient).toBeUndefined();
  });

  it('a linear model diverges above r = 2 and the stream completes with outcome diverged', async () => {
    const all = await events({ steps: 5000, schedule: { use: 'constant', lr: { normalized: 2.5 } } });
    const last = all.at(-1)!;
    expect(last.outcome).toBe('diverged');
    expect(Number.isFinite(last.loss)).toBe(false);
    expect(last.step).toBeLessThan(5000);
  });

  it('stop.lossAbove ends a divergence early', async () => {
    const all = await events({ steps: 5000, stop: { lossAbove: 1e6 }, schedule: { use: 'constant', lr: { normalized: 2.5 } } });
    expect(all.at(-1)?.outcome).toBe('diverged');
    expect(all.at(-1)!.loss).toBeGreaterThan(1e6);
    expect(all.length).toBeLessThan(100);
  });

  it('stop.lossBelow ends with outcome converged when the targets are realizable', async () => {
    const all = await events({
      steps: 5000,
      stop: { lossBelow: 1e-12 },
      data: { use: 'inline', x: [[1, 0], [0, 2], [1, 1]], y: [1, 4, 3] }, // y = X·(1, 2)
    });
    expect(all.at(-1)?.outcome).toBe('converged');
    expect(all.at(-1)!.loss).toBeLessThan(1e-12);
  });

  it('is cold and reproducible bit for bit from the seed', async () => {
    const a = (await events()).map((event) => event.loss);
    const b = (await events()).map((event) => event.loss);
    expect(b).toEqual(a);
    const c = (await events({ seed: 2 })).map((event) => event.loss);
    expect(c).not.toEqual(a);
  });

  it('unsubscribing cancels the run', async () => {
    let emitted = 0;
    const first = await firstValueFrom(kernel.run(linearStudy({ steps: 1_000_000 })).pipe(take(3), toArray()));
    expect(first.map((event) => event.step)).toEqual([0, 1, 2]);
    const subscription = kernel.run(linearStudy({ steps: 1_000_000 })).subscribe(() => emitted++);
    await new Promise((resolve) => setTimeout(resolve, 30));
    subscription.unsubscribe();
    const atCancel = emitted;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(emitted).toBe(atCancel);
    expect(atCancel).toBeLessThan(1_000_000);
  });

  it('yields to the event loop while training', async () => {
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    let firedDuringTraining = false;
    await new Promise<void>((resolve) =>
      kernel.run(linearStudy({ steps: 300_000 })).subscribe({
        next: () => {
          if (timerFired) firedDuringTraining = true;
        },
        complete: resolve,
      }),
    );
    expect(firedDuringTraining).toBe(true);
  });

  it('refuses a normalized learning rate when λ₀ = 0', async () => {
    const zero = linearStudy({ data: { use: 'inline', x: [[0, 0]], y: [1] } });
    await expect(lastValueFrom(kernel.run(zero))).rejects.toThrow('schedule.lr: gives no finite positive learning rate: λ₀ measured at initialization is 0');
  });

  it('runs in float32 when the study asks', async () => {
    const [first] = await lastValueFrom(kernel.run(linearStudy({ precision: 'float32' })).pipe(take(1), toArray()));
    expect(first.state.params).toBeInstanceOf(Float32Array);
    expect(first.state.lambda0).toBeCloseTo(topK, 5);
  });

  it('reads initial parameters from a JSON file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-init-'));
    writeFileSync(join(dir, 'theta.json'), JSON.stringify({ theta: [0.25, -0.5] }));
    const spec = linearStudy({ model: { use: 'linear', initialParameters: 'theta.json' } });
    const first = await firstValueFrom(kernel.run(spec, { baseDir: dir }).pipe(map((event) => [...event.state.params])));
    expect(first).toEqual([0.25, -0.5]);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ theta: [1] }));
    const bad = linearStudy({ model: { use: 'linear', initialParameters: 'bad.json' } });
    await expect(lastValueFrom(kernel.run(bad, { baseDir: dir }))).rejects.toThrow('block "theta" must be an array of 2 numbers (was 1 entries)');
  });
});

describe('execute: probes into sinks, always flushed and closed', () => {
  it('writes every probe record, then flushes and closes with the summary', async () => {
    const summary = await kernel.execute(linearStudy({ steps: 10, probes: [{ use: 'loss', every: 4 }] }));
    const sink = RecordingSink.last!;
    expect(sink.records.map((record) => record.step)).toEqual([0, 4, 8, 10]);
    expect(sink.calls).toEqual(['open', 'flush', 'close']);
    expect(sink.summary).toEqual(summary);
    expect(summary.outcome).toBe('max-steps');
    expect(summary.lambda0).toBeCloseTo(topK, 10);
    expect(summary.normalizedLr).toBeCloseTo(1, 12);
    // The NTK of a linear model does not move.
    expect(summary.finalLambda).toBeCloseTo(topK, 10);
  });

  it('an abort cancels the run, and the sinks are still flushed and closed', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const summary = await kernel.execute(linearStudy({ steps: 10_000_000 }), { signal: controller.signal });
    expect(summary.outcome).toBe('cancelled');
    expect(RecordingSink.last!.calls).toEqual(['open', 'flush', 'close']);
    expect(RecordingSink.last!.records.length).toBeGreaterThan(0);
  });

  it('an error rejects the run after flushing and closing the sinks', async () => {
    await expect(kernel.execute(linearStudy({ sinks: [{ use: 'recording', failOnWrite: true }] }))).rejects.toThrow('sink failure');
    expect(RecordingSink.last!.calls).toEqual(['open', 'flush', 'close']);
    expect(RecordingSink.last!.summary?.outcome).toBe('cancelled');
  });

  it('a schedule that needs a metric no probe emits fails clearly', async () => {
    await expect(kernel.execute(linearStudy({ schedule: { use: 'needs-metric', metric: 'ntk_lambda', lr: 0.1 } }))).rejects.toThrow(
      'schedule "needs-metric" needs the metric(s) ntk_lambda, which no probe of this study emits at step 0',
    );
  });

  it('metrics() gives the probe records alone', async () => {
    const records = await lastValueFrom(kernel.metrics(linearStudy({ steps: 3 })).pipe(toArray()));
    expect(records.map((record) => [record.name, record.step])).toEqual([
      ['loss', 0],
      ['loss', 1],
      ['loss', 2],
      ['loss', 3],
    ]);
  });
});
