import type { MetricRecord, RunOutcome, StepEvent } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { classifyPhase, type PhaseEvidence, phaseNames, phaseProbe } from './phase-probe.js';

const thresholds = { spike: 2, lazyTolerance: 0.05, eosTolerance: 0.1 };
const evidence = (overrides: Partial<PhaseEvidence>): PhaseEvidence => ({
  outcome: 'max-steps',
  initialLoss: 1,
  peakLoss: 1,
  fellBelowInitialAfterPeak: true,
  nonFinite: false,
  lambda0: 2,
  lambdaFinal: 2,
  normalizedLr: [1],
  ...overrides,
});

describe('classifyPhase', () => {
  it('names the phases by code 0..4', () => {
    expect(phaseNames).toEqual(['lazy', 'catapult', 'edge-of-stability', 'divergent', 'unclassified']);
  });

  it('applies the documented rules in order', () => {
    expect(classifyPhase(evidence({}), thresholds)).toBe('lazy');
    expect(classifyPhase(evidence({ lambdaFinal: 2.09 }), thresholds)).toBe('lazy');
    expect(classifyPhase(evidence({ lambdaFinal: 2.11 }), thresholds)).toBe('unclassified');
    expect(classifyPhase(evidence({ outcome: 'diverged' }), thresholds)).toBe('divergent');
    expect(classifyPhase(evidence({ nonFinite: true, outcome: 'max-steps' }), thresholds)).toBe('divergent');
    const spike = { peakLoss: 100, lambdaFinal: 0.2, normalizedLr: [0.19] };
    expect(classifyPhase(evidence(spike), thresholds)).toBe('catapult');
    // Not back below L₀, too small a rise, or η·λ_T ≥ 2: no catapult.
    expect(classifyPhase(evidence({ ...spike, fellBelowInitialAfterPeak: false }), thresholds)).toBe('unclassified');
    expect(classifyPhase(evidence({ ...spike, peakLoss: 1.5 }), thresholds)).toBe('unclassified');
    expect(classifyPhase(evidence({ ...spike, normalizedLr: [2.05] }), thresholds)).toBe('edge-of-stability');
    // η·λ hovering within 10% of 2 over the window, after the kernel moved.
    expect(classifyPhase(evidence({ lambdaFinal: 3, normalizedLr: [1.85, 2.15, 1.95, 2.1] }), thresholds)).toBe('edge-of-stability');
    expect(classifyPhase(evidence({ lambdaFinal: 3, normalizedLr: [1.7, 2.15, 1.95, 2.1] }), thresholds)).toBe('unclassified');
    // A lazy run at r = 1.9 is lazy, not edge of stability (rule 2 comes first).
    expect(classifyPhase(evidence({ normalizedLr: [1.9, 1.9] }), thresholds)).toBe('lazy');
  });
});

describe('phase probe on hand-made events of a linear model', () => {
  // f = θ₁ + θ₂ on x = (1, 1), y = 0, ½·Σ loss: λ = ‖x‖² = 2 at every θ.
  const spec = { x: [[1, 1]], y: [0], initialParams: [1, 0] };
  const lastRun: { eigenCalls: number[] } = { eigenCalls: [] };
  async function phaseOf(
    steps: { params?: number[]; lr: number; loss?: number }[],
    outcome: RunOutcome,
    every = 1,
    options: Record<string, unknown> = {},
  ): Promise<MetricRecord[]> {
    const run = new LinearRun(spec, steps.length - 1);
    const events: StepEvent[] = steps.map((s, step) => run.event(step, { ...s, ...(step === steps.length - 1 ? { outcome } : {}) }));
    const records = await lastValueFrom(from(events).pipe(phaseProbe.create(phaseProbe.options.assert(options), probeContext(every)).operator, toArray()));
    lastRun.eigenCalls = run.eigenCalls;
    return records;
  }
  const byName = (records: MetricRecord[]) => Object.fromEntries(records.map((r) => [r.name, r.value]));

  it('emits phase and its evidence at the last step only', async () => {
    // GD at η = 0.5 (r = 1): f = 1 → 0 in one step and stays there.
    const records = await phaseOf(
      [
        { params: [1, 0], lr: 0.5 },
        { params: [0.5, -0.5], lr: 0.5 },
        { params: [0.5, -0.5], lr: 0.5 },
      ],
      'max-steps',
    );
    expect(records.map((r) => r.step)).toEqual([2, 2, 2, 2]);
    expect(byName(records)).toEqual({ phase: 0, phase_peak_loss_ratio: 1, phase_lambda_ratio: close(1), phase_normalized_lr: close(1) });
  });

  it('samples λ only on the every: steps with a finite loss (and the last)', async () => {
    const steps = Array.from({ length: 8 }, () => ({ params: [1, 0], lr: 0.5 }));
    const records = await phaseOf(steps, 'max-steps', 3);
    expect(lastRun.eigenCalls).toEqual([0, 3, 6, 7]);
    expect(byName(records).phase).toBe(0);
  });

  it('classifies a hand-made spike whose learning rate then falls as catapult, and a NaN loss as divergent', async () => {
    const losses = [0.5, 2, 40, 8, 0.3, 0.01];
    const lrs = [1.5, 1.5, 1.5, 1, 0.5, 0.5];
    const catapult = await phaseOf(losses.map((loss, i) => ({ loss, lr: lrs[i] })), 'max-steps');
    expect(byName(catapult)).toEqual({ phase: 1, phase_peak_loss_ratio: 80, phase_lambda_ratio: close(1), phase_normalized_lr: close(1) });
    const divergent = await phaseOf([{ lr: 3 }, { lr: 3, loss: 40 }, { lr: 3, loss: Number.NaN }], 'diverged');
    expect(byName(divergent).phase).toBe(3);
    expect(byName(divergent).phase_normalized_lr).toBeCloseTo(6, 12);
  });

  it('classifies η·λ held near 2 over the window, with a small loss rise, as edge of stability', async () => {
    const lrs = [0.5, 0.7, 0.9, 1.0, 0.95, 1.05, 0.98, 1.02];
    const losses = [0.5, 0.45, 0.6, 0.4, 0.55, 0.35, 0.5, 0.3];
    const steps = lrs.map((lr, i) => ({ lr, loss: losses[i] }));
    expect(byName(await phaseOf(steps, 'max-steps', 1, { window: 5 })).phase).toBe(2);
    // The default window of 10 reaches back to η·λ = 1: not edge of stability.
    expect(byName(await phaseOf(steps, 'max-steps')).phase).toBe(4);
  });
});

function close(value: number, digits = 12): number {
  return expect.closeTo(value, digits) as unknown as number;
}
