import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel } from './support.js';

async function sparsity(spec: Record<string, unknown>): Promise<number[]> {
  const records = await lastValueFrom(kernel.metrics(spec).pipe(toArray()));
  return records.filter((record) => record.name === 'activation_sparsity/hidden').map((record) => record.value);
}

/*
 * papers.md §2 / §6 Meltzer target 3: the fraction of non-positive ReLU pre-activations is ≈ 0.5 at
 * initialization and in the lazy phase and rises after a catapult. Two-layer NTK-parameterized ReLU
 * net, d = 10, 16 points, y = sign(x₁), width 1024, ½·mean loss (the §6 Meltzer set-up).
 */
function study(r: number): Record<string, unknown> {
  return {
    name: `sparsity-r${r}`,
    seed: 0,
    data: { use: 'sign-teacher', n: 16, d: 10 },
    model: { use: 'two-layer', width: 1024, activation: 'relu' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps: 300,
    probes: [{ use: 'activation-sparsity', every: 300 }],
  };
}

describe('activation-sparsity probe through the kernel (papers.md §2)', () => {
  it('starts near 0.5, stays there in the lazy phase, and rises with r (0.60–0.67 at r = 3.5)', async () => {
    // Measured at seed 0: 0.501 at step 0; final 0.503 (r = 1), 0.567 (r = 3), 0.621 (r = 3.5).
    const lazy = await sparsity(study(1));
    const mid = await sparsity(study(3));
    const catapult = await sparsity(study(3.5));
    const first = lazy[0];
    expect(Math.abs(first - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(lazy.at(-1)! - first)).toBeLessThan(0.02);
    expect(mid.at(-1)!).toBeGreaterThan(lazy.at(-1)! + 0.03);
    expect(catapult.at(-1)!).toBeGreaterThan(mid.at(-1)!);
    expect(catapult.at(-1)!).toBeGreaterThanOrEqual(0.6);
    expect(catapult.at(-1)!).toBeLessThanOrEqual(0.67);
  });

  it('is a clear error for a model without hidden layers', async () => {
    const spec = { ...study(1), model: { use: 'uv', width: 8 }, data: { use: 'single-example', x: [1], y: 0 } };
    await expect(kernel.execute(spec)).rejects.toThrow(/activation-sparsity: the model does not report hidden pre-activations/);
  });
});
