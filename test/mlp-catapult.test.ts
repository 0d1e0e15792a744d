import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudyFile } from '@tdlab/core';
import { lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel } from './support.js';

const study = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'catapult', 'studies'), 'mlp-catapult.yaml');

describe('examples/catapult/studies/mlp-catapult.yaml — catapult of a 3-hidden-layer ReLU MLP at r = 3 (papers.md §1a, §6 Meltzer 4)', () => {
  it('the loss rises above its start, then falls below it; λ decreases until η·λ < 2', async () => {
    const spec = (await loadStudyFile(study)) as Record<string, unknown>;
    // λ from the run's own NTK operator, read only at a few steps (a Lanczos run each).
    const checkpoints = new Set([0, 5, 10, 20, 50, 100]);
    const run = await lastValueFrom(
      kernel.run({ ...spec, sinks: [] }).pipe(
        map((event) => ({
          step: event.step,
          loss: event.loss,
          lr: event.lr,
          lambda: checkpoints.has(event.step) ? event.state.ntkTopEigenvalues(1)[0] : Number.NaN,
        })),
        toArray(),
      ),
    );
    expect(run.at(-1)!.step).toBe(100);
    const initial = run[0];
    const last = run.at(-1)!;
    const peakStep = run.reduce((best, t) => (t.loss > run[best].loss ? t.step : best), 0);
    // r = η·λ₀ = 3 (loss ½·mean, so λ is that of K/n).
    expect(initial.lr * initial.lambda).toBeCloseTo(3, 10);
    // Rises: a spike well above the initial loss, after the start …
    expect(peakStep).toBeGreaterThan(0);
    expect(run[peakStep].loss).toBeGreaterThan(3 * initial.loss);
    // … then falls below its start and converges.
    expect(last.loss).toBeLessThan(1e-3 * initial.loss);
    // λ decreases: below its start after the spike, and η·λ ends below 2 (the stable side).
    const lambdas = run.filter((t) => checkpoints.has(t.step)).map((t) => t.lambda);
    expect(lambdas.at(-1)!).toBeLessThan(0.5 * initial.lambda);
    expect(last.lr * last.lambda).toBeLessThan(2);
    for (const t of run.filter((e) => e.step >= 20 && checkpoints.has(e.step))) expect(t.lambda).toBeLessThan(initial.lambda);
  }, 120_000);
});
