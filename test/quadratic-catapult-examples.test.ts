import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@tdlab/cli';
import type { RunSummary } from '@tdlab/core';
import { beforeAll, describe, expect, it } from 'vitest';

const studies = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'catapult', 'studies');
const summaries = new Map<string, RunSummary>();

describe('examples/catapult — the quadratic-model studies (papers.md §1b App. 19.4, §2, §6 Zhu 3 and Meltzer 1)', () => {
  beforeAll(async () => {
    const names = ['general-quadratic-catapult', 'pure-quadratic-catapult'];
    const result = await runCommand({
      files: names.map((name) => join(studies, `${name}.yaml`)),
      out: mkdtempSync(join(tmpdir(), 'tdlab-example-')),
      log: () => {},
    });
    expect(result.exitCode).toBe(0);
    for (const summary of result.summaries) summaries.set(summary.name, summary);
  }, 300_000);

  it('general-quadratic-catapult (γ = 1e-3, η = 2.8): the loss peaks at O(1/γ²), then η·λ < 2 and it converges', () => {
    const summary = summaries.get('general-quadratic-catapult')!;
    expect(summary.lr).toBe(2.8);
    expect(Math.abs(summary.normalizedLr - 2.8)).toBeLessThan(0.1); // λ₀ = 1 + O(γ)
    expect(summary.peakLoss * 1e-6).toBeGreaterThan(0.02);
    expect(summary.peakLoss * 1e-6).toBeLessThan(0.05);
    expect(summary.finalNormalizedLr).toBeLessThan(2);
    expect(summary.finalLoss).toBeLessThan(1e-15);
    expect(summary.outcome).toBe('max-steps');
  });

  it('pure-quadratic-catapult (n = 1000, ψ² = I, r = 3): spike, then η·λ < 2, the weight norm shrinks, it converges', () => {
    const summary = summaries.get('pure-quadratic-catapult')!;
    expect(summary.normalizedLr).toBeCloseTo(3, 10);
    expect(summary.peakLoss).toBeGreaterThan(100 * summary.initialLoss);
    expect(summary.finalNormalizedLr).toBeLessThan(2);
    // ψ² = I: θ²/θ₀² = λ/λ₀ exactly, and λ_f < 2/η = (2/3)λ₀.
    expect(summary.weightNormRatio).toBeLessThan(2 / 3);
    expect(Math.abs(summary.weightNormRatio / (summary.finalLambda / summary.lambda0) - 1)).toBeLessThan(1e-9);
    expect(summary.finalLoss).toBeLessThan(1e-15);
    expect(summary.outcome).toBe('max-steps');
  });
});
