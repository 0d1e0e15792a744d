import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel } from './support.js';

/*
 * Issue 5 reproduction, edge of stability (Cohen et al. 2021): full-batch GD at a fixed η on a small
 * tanh MLP with MSE — the sharpness (top eigenvalue of the loss Hessian, `hessian-top-eigenvalue`)
 * rises (progressive sharpening) until it reaches 2/η, then hovers there while the loss keeps falling
 * non-monotonically. GD on L is stable only while η·λ_max(∇²L) < 2, whatever the loss normalization
 * (here ½·mean, papers.md §0), so the threshold is 2/η for the Hessian of the study's own loss.
 *
 * Measured (seed 0, η = 0.15, 2/η = 13.33; S/(2/η) every 100 steps): 0.58 at step 0, 0.97 at 300,
 * an overshoot to 1.15 at 500, then 0.90 … 1.08 from step 600 to 3000 (1.000 at 3000).
 */
const ETA = 0.15;

describe('edge of stability (Cohen et al. 2021) through the kernel', () => {
  it('sharpness rises to 2/η and then hovers within 10% of it', async () => {
    const spec = {
      name: 'edge-of-stability',
      seed: 0,
      data: { use: 'gaussian-teacher', n: 256, d: 10, teacher: 'relu-unit' },
      model: { use: 'mlp', depth: 2, width: 64, activation: 'tanh', parameterization: 'standard', bias: false },
      loss: { use: 'mse', reduction: 'mean', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: ETA },
      steps: 3000,
      probes: [{ use: 'loss', every: 100 }, { use: 'hessian-top-eigenvalue', every: 100 }],
    };
    const records = await lastValueFrom(kernel.metrics(spec).pipe(toArray()));
    const sharpness = records.filter((record) => record.name === 'sharpness');
    const loss = records.filter((record) => record.name === 'loss');
    const ratio = sharpness.map((record) => ({ step: record.step, value: (record.value * ETA) / 2 }));
    expect(ratio[0].value).toBeLessThan(0.65); // starts well below the threshold
    const reached = ratio.find((entry) => entry.value >= 0.9)!;
    expect(reached.step).toBeGreaterThan(0); // progressive sharpening
    const hovering = ratio.filter((entry) => entry.step >= 600);
    expect(hovering.length).toBeGreaterThan(20);
    for (const entry of hovering) expect(Math.abs(entry.value - 1), `step ${entry.step}`).toBeLessThanOrEqual(0.1);
    // The loss keeps falling overall (0.41 → 4.5e-5) although not monotonically (a spike at step 2100).
    expect(loss.at(-1)!.value).toBeLessThan(1e-3 * loss[0].value);
    expect(loss.some((record, i) => i > 0 && record.value > loss[i - 1].value)).toBe(true);
  });
});
