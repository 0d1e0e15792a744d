import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstPartyPlugins, runCommand } from '@tdlab/cli';
import { type RunSummary, Tdlab } from '@tdlab/core';
import { lastValueFrom, map, toArray } from 'rxjs';
import { expect } from 'vitest';

export const kernel = new Tdlab(firstPartyPlugins);

/** What the reproduction tests read of each step (copied: the state is valid only during emission). */
export interface Trace {
  step: number;
  loss: number;
  lr: number;
  outcome: string | undefined;
  /** f(x₁) — the uv model's single output. */
  output: number;
  /** Top eigenvalue of the loss-matched NTK at this step. */
  lambda: number;
  weightNormRatio: number;
}

export async function trace(spec: Record<string, unknown>): Promise<Trace[]> {
  return lastValueFrom(
    kernel.run(spec).pipe(
      map((event): Trace => {
        const { state } = event;
        let norm = 0;
        let norm0 = 0;
        for (let i = 0; i < state.params.length; i++) {
          norm += state.params[i] ** 2;
          norm0 += state.initialParams[i] ** 2;
        }
        return {
          step: event.step,
          loss: event.loss,
          lr: event.lr,
          outcome: event.outcome,
          output: state.outputs[0],
          lambda: Number.isFinite(event.loss) ? state.ntkTopEigenvalues(1)[0] : Number.NaN,
          weightNormRatio: norm / norm0,
        };
      }),
      toArray(),
    ),
  );
}

/** The uv model of papers.md §1a: one example (x, y) = (1, 0), loss ½f², GD at r = η·λ₀. */
export function uvStudy(width: number, r: number, steps = 3000, seed = 0): Record<string, unknown> {
  return {
    name: `uv-m${width}-r${r}`,
    seed,
    data: { use: 'single-example', x: [1], y: 0 },
    model: { use: 'uv', width },
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
  };
}

/** Runs one examples/catapult study through the CLI (console output captured, not printed). */
export async function runExample(name: string): Promise<{ summary: RunSummary; metrics: string }> {
  const file = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'catapult', 'studies', `${name}.yaml`);
  const out = join(mkdtempSync(join(tmpdir(), 'tdlab-zhu-example-')), 'run');
  const stdout = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let result: Awaited<ReturnType<typeof runCommand>>;
  try {
    result = await runCommand({ files: [file], out, log: () => {} });
  } finally {
    process.stdout.write = stdout;
  }
  expect(result.exitCode).toBe(0);
  return { summary: result.summaries[0], metrics: readFileSync(join(out, 'metrics.csv'), 'utf8') };
}
