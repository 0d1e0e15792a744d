import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@tdlab/cli';
import type { RunSummary } from '@tdlab/core';
import { beforeAll, describe, expect, it } from 'vitest';

const studies = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'catapult', 'studies');
const summaries = new Map<string, RunSummary>();

describe('examples/catapult — the studies of the Quick start (papers.md §1a, §6)', () => {
  beforeAll(async () => {
    const names = ['uv-lazy', 'uv-catapult', 'uv-divergent', 'two-layer-lazy', 'two-layer-catapult'];
    const result = await runCommand({
      files: names.map((name) => join(studies, `${name}.yaml`)),
      out: mkdtempSync(join(tmpdir(), 'tdlab-example-')),
      log: () => {},
    });
    expect(result.exitCode).toBe(0);
    for (const summary of result.summaries) summaries.set(summary.name, summary);
  }, 300_000);

  it.each(['uv-lazy', 'two-layer-lazy'])('%s (r = 1) is lazy: no spike, λ stays at λ₀', (name) => {
    const summary = summaries.get(name)!;
    expect(summary.normalizedLr).toBeCloseTo(1, 10);
    expect(summary.peakLoss).toBe(summary.initialLoss);
    expect(Math.abs(summary.finalLambda / summary.lambda0 - 1)).toBeLessThan(0.05);
  });

  it.each(['uv-catapult', 'two-layer-catapult'])('%s (r = 3) catapults: loss spike, then η·λ < 2 and convergence', (name) => {
    const summary = summaries.get(name)!;
    expect(summary.normalizedLr).toBeCloseTo(3, 10);
    expect(summary.peakLoss).toBeGreaterThan(3 * summary.initialLoss);
    expect(summary.finalNormalizedLr).toBeLessThan(2);
    expect(summary.finalLoss).toBeLessThan(summary.initialLoss);
    expect(summary.outcome).toBe('max-steps');
  });

  it('uv-divergent (r = 4.5) diverges', () => {
    const summary = summaries.get('uv-divergent')!;
    expect(summary.outcome).toBe('diverged');
    expect(summary.steps).toBeLessThan(50);
  });
});
