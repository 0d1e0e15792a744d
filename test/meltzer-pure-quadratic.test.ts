import { describe, expect, it } from 'vitest';
import { type Trace, trace } from './support.js';

/*
 * Meltzer et al. (papers.md §2): the pure quadratic model z = (ζ/2)θᵀψ(x)θ, ζ = (n/2)^{-1/2},
 * θ ~ N(0, I_n), ψ(x) = d^{-1/2} Σᵢ xᵢWᵢ with Wᵢ = Qᵢ diag(±1) Qᵢᵀ. Loss ½·mean (the authors' code),
 * GD at lr = r/λ₀ with λ₀ the top eigenvalue of K/B (papers.md §0, `{ normalized: r }`).
 *
 * Target 1 (§6): n = 1000, one example x = 1, y = 0, so ψ = W₁ and ψ² = I. Then λ = ζ²‖θ‖² and one GD
 * step gives exactly the uv recursion of Lewkowycz et al. eq. 2 with 1/n → ζ² = 2/n:
 *   z′ = z(1 − ηλ + η²ζ²z²),   λ′ = λ + ηζ²z²(ηλ − 4),
 * so the catapult window is exactly 2 < r < 4 and θ²_t/θ²₀ = λ_t/λ₀.
 */

const peak = (run: Trace[]) => Math.max(...run.map((t) => t.loss).filter(Number.isFinite));

function toyStudy(r: number, steps: number, seed = 0): Record<string, unknown> {
  return {
    name: `meltzer-pure-quadratic-r${r}`,
    seed,
    data: { use: 'single-example', x: [1], y: 0 },
    model: { use: 'pure-quadratic', width: 1000 },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
    stop: { lossAbove: 1e12 },
  };
}

describe('Meltzer et al., pure quadratic model with ψ² = I — papers.md §2, §6 Meltzer target 1 (n = 1000, x = 1, y = 0)', () => {
  it('one GD step is the closed recursion z′ = z(1 − ηλ + η²ζ²z²), λ′ = λ + ηζ²z²(ηλ − 4), and θ²_t/θ²₀ = λ_t/λ₀ (r = 3, 1e-9)', async () => {
    const run = await trace(toyStudy(3, 30));
    const zeta2 = 2 / 1000;
    for (let t = 0; t + 1 < run.length && Math.abs(run[t].output) > 1e-6; t++) {
      const { output: z, lambda, lr: eta } = run[t];
      const zNext = z * (1 - eta * lambda + eta * eta * zeta2 * z * z);
      const lambdaNext = lambda + eta * zeta2 * z * z * (eta * lambda - 4);
      expect(Math.abs(run[t + 1].output - zNext)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(z), Math.abs(zNext)));
      expect(Math.abs(run[t + 1].lambda / lambdaNext - 1)).toBeLessThan(1e-9);
      expect(Math.abs(run[t].weightNormRatio / (run[t].lambda / run[0].lambda) - 1)).toBeLessThan(1e-9);
    }
  }, 180_000); // the first run builds W (a 1000×1000 matrix exponential, memoized for the others)

  it.each([0.5, 1.9, 1.99])('r = %s < 2 is lazy: the loss never rises, θ²_∞/θ²₀ ≈ 1 (|· − 1| < 1e-3), ηλ stays at r', async (r) => {
    const run = await trace(toyStudy(r, 300));
    const last = run.at(-1)!;
    for (let t = 1; t < run.length && run[t - 1].loss > 1e-20; t++) expect(run[t].loss).toBeLessThanOrEqual(run[t - 1].loss);
    expect(Math.abs(last.weightNormRatio - 1)).toBeLessThan(1e-3);
    expect(Math.abs(last.lr * last.lambda - r)).toBeLessThan(2e-3 * r);
    expect(last.loss).toBeLessThan(run[0].loss);
  });

  it.each([2.5, 3, 3.5, 3.99])('2 < r = %s < 4 catapults: the loss spikes (> 100·L₀), converges, ηλ_f < 2 and θ²_∞/θ²₀ < 1', async (r) => {
    const run = await trace(toyStudy(r, 500));
    const last = run.at(-1)!;
    expect(last.outcome).toBe('max-steps');
    expect(peak(run)).toBeGreaterThan(100 * run[0].loss);
    expect(last.loss).toBeLessThan(1e-15);
    expect(last.lr * last.lambda).toBeLessThan(2);
    // θ²_∞/θ²₀ = λ_∞/λ₀ < 2/(ηλ₀) = 2/r.
    expect(last.weightNormRatio).toBeLessThan(2 / r);
  });

  it('just above the lower edge, r = 2.01: the loss still rises above L₀, then λ falls below 2/η and θ² shrinks', async () => {
    const run = await trace(toyStudy(2.01, 400));
    const last = run.at(-1)!;
    expect(peak(run)).toBeGreaterThan(2 * run[0].loss);
    expect(last.lr * last.lambda).toBeLessThan(2);
    expect(last.weightNormRatio).toBeLessThan(1);
    expect(last.loss).toBeLessThan(run[0].loss);
  });

  it.each([4.01, 4.5])('r = %s > 4 diverges within 30 steps (λ grows once ηλ > 4)', async (r) => {
    const run = await trace(toyStudy(r, 40));
    const last = run.at(-1)!;
    expect(last.outcome).toBe('diverged');
    expect(last.step).toBeLessThanOrEqual(30);
    expect(run[Math.max(0, run.length - 2)].lambda).toBeGreaterThan(run[0].lambda);
  });
});

/*
 * The teacher–student set-up (papers.md §2): data from `quadratic-teacher` (x ~ N(0, I_8), 32 rows,
 * a width-100 pure-quadratic teacher at fixed θ*), a student masking 20 of its 100 meta-features.
 * The paper's window for this set-up is not known to us (the predicted edge of papers.md §2 is only a
 * bound: 1.2–1.8 here, below the measured edges 3–3.5 and 4.5–5 of seeds 0 and 1), so only the phases
 * that hold on both seeds are asserted.
 */
function teacherStudentStudy(r: number, seed: number, steps = 600): Record<string, unknown> {
  return {
    name: `meltzer-teacher-student-r${r}`,
    seed,
    data: { use: 'quadratic-teacher', n: 32, d: 8, width: 100 },
    model: { use: 'pure-quadratic', width: 100, masks: 20 },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
    stop: { lossAbove: 1e12 },
  };
}

describe('Meltzer et al. teacher–student set-up — papers.md §2 (quadratic-teacher, masked pure-quadratic student)', () => {
  it.each([0, 1])('seed %s: r = 1 decreases the loss monotonically to interpolation (80 parameters > 32 rows)', async (seed) => {
    const run = await trace(teacherStudentStudy(1, seed));
    for (let t = 1; t < run.length && run[t - 1].loss > 1e-20; t++) expect(run[t].loss).toBeLessThanOrEqual(run[t - 1].loss);
    expect(run.at(-1)!.loss).toBeLessThan(1e-15);
  });

  it.each([0, 1])('seed %s: r = 3 still converges, with the catapult signature: λ and θ² fall, ηλ_f < 2', async (seed) => {
    const run = await trace(teacherStudentStudy(3, seed));
    const last = run.at(-1)!;
    expect(last.outcome).toBe('max-steps');
    expect(last.loss).toBeLessThan(1e-15);
    expect(last.lr * last.lambda).toBeLessThan(2);
    expect(last.lambda).toBeLessThan(0.8 * run[0].lambda);
    expect(last.weightNormRatio).toBeLessThan(0.8);
  });

  it.each([0, 1])('seed %s: r = 6 diverges', async (seed) => {
    const run = await trace(teacherStudentStudy(6, seed, 50));
    expect(run.at(-1)!.outcome).toBe('diverged');
  });
});
