import type { StepEvent } from '@tdlab/core';
import { lastValueFrom, map, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel, runExample } from './support.js';

/*
 * Zhu et al. §1b "Multiple examples, d = 1" and Theorem 3 (papers.md §6 Zhu NQM target 4): 128 points
 * of `two-clusters` (rows 0–63 x ~ N(−2, 1) labelled −1, rows 64–127 x ~ N(2, 1) labelled +1, d = 1),
 * the two-layer ReLU network f = m^{-1/2} Σ vᵢ ReLU(uᵢx) with u ~ N(0, 1), v ~ Unif{±1}, and its NQM
 * (`quadratic` of that base), full-batch GD at a constant absolute η.
 *
 * Convention: loss mean (f − y)² without ½ (`reduction: mean, half: false`), whose loss-matched kernel
 * is 2K/n (papers.md §0). papers.md warns that the normalization of Fig. 3 is UNVERIFIED; this is the
 * one whose 2/λ values match the reported 0.37/0.39 (here, width 2000: 2/λ1, 2/λ2 = 0.382/0.398 at
 * seed 0, 0.375/0.376 at seed 2, 0.353/0.478 at seed 1; papers.md's [SIM]: 0.39/0.43). Theorem 3 is a statement about η·λᵢ, so any matched convention gives the
 * same dynamics; with Zhu's ½·Σ the λ's are n/4 = 32 times larger and η 32 times smaller.
 *
 * λ1 > λ2 are the top two eigenvalues the kernel reports at step 0 (`state.ntkTopEigenvalues(2)`,
 * what the `ntk-top-eigenvalue` probe with k = 2 emits as `ntk_eigenvalues`); the learning rates are
 * absolute, computed from them. With d = 1 the kernel has rank 2: K_ij = (1/m) Σ_k (u_k² + v_k²) x_i x_j
 * 1{u_k x_i > 0} 1{u_k x_j > 0}, with eigenvectors p₊ = x⊙1{x > 0} and p₋ = x⊙1{x < 0} and
 * eigenvalues λ± = (2/n)(1/m) Σ_{k: ±u_k > 0}(u_k² + v_k²)·‖p±‖² (for the NQM the mask is u's sign at θ₀,
 * for the network at θ_t). The tests check that the kernel's top two are exactly {λ₊, λ₋} and then follow
 * each eigen-direction by name: when λ₊ drops below λ₋ the sorted pair swaps, which the sorted top two
 * alone would hide.
 *
 * Width 2000 (Fig. 3: 5000; the target: ≥ 1000). The lazy kernel change scales as residual²/m, and
 * at m = 1000 it blurs the only-λ1 window: in a numpy re-run λ2 moved by 1.2–5.5% on 3 of 6 seeds at
 * m = 1000, by ≤ 0.8% on all 6 at m = 2000. Each run takes under a second.
 */

const n = 128;
const width = 2000;
const steps = 400;

function study(network: boolean, lr: number, seed: number, runSteps = steps): Record<string, unknown> {
  const net = { use: 'two-layer', width, activation: 'relu', secondLayer: 'rademacher' };
  return {
    name: 'zhu-two-clusters',
    seed,
    data: { use: 'two-clusters', n, mean: 2 },
    model: network ? net : { use: 'quadratic', base: net },
    loss: { use: 'mse', reduction: 'mean', half: false },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr },
    steps: runSteps,
    stop: { lossAbove: 1e12 },
  };
}

interface Kernel {
  /** λ of p₊ = x⊙1{x > 0} and of p₋ = x⊙1{x < 0}, from the parameters (papers.md §1b). */
  readonly plus: number;
  readonly minus: number;
  /** The kernel's own top two (Lanczos on the loss-matched NTK). */
  readonly top: readonly number[];
}

function kernelOf(event: StepEvent, network: boolean): Kernel {
  const { params, initialParams, data } = event.state;
  const m = params.length / 2;
  const x = data.train.x;
  let normPlus = 0;
  let normMinus = 0;
  for (let i = 0; i < n; i++) {
    if (x[i] > 0) normPlus += x[i] ** 2;
    else normMinus += x[i] ** 2;
  }
  let plus = 0;
  let minus = 0;
  for (let k = 0; k < m; k++) {
    const weight = params[k] ** 2 + params[m + k] ** 2;
    const sign = network ? params[k] : initialParams[k];
    if (sign > 0) plus += weight;
    else if (sign < 0) minus += weight;
  }
  return { plus: ((2 / n) * plus * normPlus) / m, minus: ((2 / n) * minus * normMinus) / m, top: Array.from(event.state.ntkTopEigenvalues(2)) };
}

function expectRankTwo({ plus, minus, top }: Kernel): void {
  expect(Math.abs(top[0] / Math.max(plus, minus) - 1)).toBeLessThan(1e-9);
  expect(Math.abs(top[1] / Math.min(plus, minus) - 1)).toBeLessThan(1e-9);
}

interface Outcome {
  /** λ1, λ2 at step 0 and at the end, each following its own eigenvector. */
  readonly lambda1: readonly [number, number];
  readonly lambda2: readonly [number, number];
  readonly initialLoss: number;
  readonly peakLoss: number;
  readonly outcome: string | undefined;
}

async function initialEigenvalues(network: boolean, seed: number): Promise<{ lambda1: number; lambda2: number }> {
  const [first] = await lastValueFrom(kernel.run(study(network, 0.1, seed, 1)).pipe(take(1), map((event) => kernelOf(event, network)), toArray()));
  expectRankTwo(first);
  return { lambda1: first.top[0], lambda2: first.top[1] };
}

async function train(network: boolean, eta: number, seed: number): Promise<Outcome> {
  const kernels: Kernel[] = [];
  const losses: number[] = [];
  let outcome: string | undefined;
  await lastValueFrom(
    kernel.run(study(network, eta, seed)).pipe(
      map((event) => {
        losses.push(event.loss);
        outcome = event.outcome;
        if (event.step === 0 || event.outcome) kernels.push(kernelOf(event, network));
      }),
      toArray(),
    ),
  );
  for (const k of kernels) expectRankTwo(k);
  const [first, last] = [kernels[0], kernels.at(-1)!];
  const plusIsFirst = first.plus > first.minus;
  const one = (k: Kernel) => (plusIsFirst ? k.plus : k.minus);
  const two = (k: Kernel) => (plusIsFirst ? k.minus : k.plus);
  return {
    lambda1: [one(first), one(last)],
    lambda2: [two(first), two(last)],
    initialLoss: losses[0],
    peakLoss: Math.max(...losses),
    outcome,
  };
}

const change = ([start, end]: readonly [number, number]) => Math.abs(end / start - 1);

describe('Zhu et al. §1b, d = 1 two clusters, Theorem 3 — papers.md §6 Zhu NQM target 4 (NQM, width 2000, mean loss without ½)', () => {
  it.each([0, 1, 2])('seed %s: η = 1.5/λ1 < 2/λ1: no spike, both eigenvalues change by less than 2%', async (seed) => {
    const { lambda1 } = await initialEigenvalues(false, seed);
    const run = await train(false, 1.5 / lambda1, seed);
    expect(run.outcome).toBe('max-steps');
    expect(run.peakLoss).toBe(run.initialLoss);
    // [measured] λ1 −1.3%, −0.18%, −0.17%; λ2 −0.23%, −0.00%, −0.03% (seeds 0, 1, 2). At η = 1.9/λ1
    // seed 0 moves λ1 by 4.5%: its L₀ = 17.8 is large, and the lazy change grows with the residual.
    expect(change(run.lambda1)).toBeLessThan(0.02);
    expect(change(run.lambda2)).toBeLessThan(0.02);
  });

  it.each([1, 3])('seed %s: 2/λ1 < η < 2/λ2 (the middle): the loss spikes, only λ1 drops (below 2/η), λ2 stays within 1%', async (seed) => {
    const { lambda1, lambda2 } = await initialEigenvalues(false, seed);
    // Theorem 3 needs η ∈ [(2 + ε)/λ1, (2 − ε)/λ2], ε = Θ(log m/√m): the window must have room. The
    // clusters are alike, so λ1/λ2 is often close to 1 (seeds 0 and 2: 1.039 and 1.003, where the
    // midpoint is r1 = 2.04 and 2.003 and the loss barely rises: peak/L₀ = 1.05 and 1.001 in 400
    // steps); seeds 1 and 3 give 1.35 and 1.55.
    expect(lambda1 / lambda2).toBeGreaterThan(1.3);
    const eta = 1 / lambda1 + 1 / lambda2;
    const run = await train(false, eta, seed);
    expect(run.outcome).toBe('max-steps');
    // [measured] peak 77 (seed 1) and 209 (seed 3) from L₀ = 2.16 and 2.86.
    expect(run.peakLoss).toBeGreaterThan(10 * run.initialLoss);
    // [measured] λ1 ×0.66 and ×0.46, ending at ηλ1 = 1.54 and 1.17.
    expect(eta * run.lambda1[1]).toBeLessThan(2);
    expect(run.lambda1[1]).toBeLessThan(0.8 * run.lambda1[0]);
    // [measured] λ2 −0.08% and −0.17%.
    expect(change(run.lambda2)).toBeLessThan(0.01);
  });

  it.each([0, 1, 2])('seed %s: 2/λ2 < η < 4/λ1 (the middle): the loss spikes, both λ1 and λ2 drop below 2/η', async (seed) => {
    const { lambda1, lambda2 } = await initialEigenvalues(false, seed);
    const eta = (2 / lambda2 + 4 / lambda1) / 2;
    const run = await train(false, eta, seed);
    expect(run.outcome).toBe('max-steps');
    // [measured] peak 599, 740, 777 from L₀ = 17.8, 2.16, 3.60.
    expect(run.peakLoss).toBeGreaterThan(10 * run.initialLoss);
    for (const lambda of [run.lambda1, run.lambda2]) {
      expect(eta * lambda[1]).toBeLessThan(2);
      expect(lambda[1]).toBeLessThan(0.8 * lambda[0]);
    }
  });
});

describe('Zhu et al. §1b, d = 1 two clusters — the network itself (papers.md §6 Zhu NQM target 4, width 2000)', () => {
  it('seed 1: the network’s kernel is rank 2 with eigenvectors p₊, p₋ (at the first and last step), and in the both-catapult window both eigenvalues drop below 2/η', async () => {
    const { lambda1, lambda2 } = await initialEigenvalues(true, 1);
    const eta = (2 / lambda2 + 4 / lambda1) / 2;
    const run = await train(true, eta, 1);
    // [measured] peak 532 from L₀ = 2.16; λ1 ×0.17, λ2 ×0.46 (the NQM: 740; ×0.15, ×0.53).
    expect(run.peakLoss).toBeGreaterThan(10 * run.initialLoss);
    for (const lambda of [run.lambda1, run.lambda2]) expect(eta * lambda[1]).toBeLessThan(2);
    // In the only-λ1 window the network's λ2 moves by a few % (measured +4% at seed 1), more than the
    // NQM's 0.1%: units whose u changes sign during the spike switch from one cluster's group to the
    // other's, which the NQM's fixed mask forbids. So that window is checked on the NQM only.
  });
});

describe('examples/catapult/studies/zhu-two-clusters.yaml through the CLI (papers.md §6 Zhu NQM target 4, η = 0.58)', () => {
  it('η lies between 2/λ2 and 4/λ1 of step 0, the loss spikes, and both ntk_eigenvalues end below 2/η', async () => {
    const { summary, metrics } = await runExample('zhu-two-clusters');
    const eigenvalues = (step: number) =>
      metrics
        .split('\n')
        .map((line) => line.split(','))
        .filter((cells) => cells[1] === String(step) && cells[2] === 'ntk_eigenvalues')
        .sort((a, b) => Number(a[3]) - Number(b[3]))
        .map((cells) => Number(cells[4]));
    const [lambda1, lambda2] = eigenvalues(0);
    const eta = summary.lr;
    expect(2 / lambda2).toBeLessThan(eta);
    expect(eta).toBeLessThan(4 / lambda1);
    // [measured] peak 592 from L₀ = 17.8 (step 3); eigenvalues 5.23, 5.03 → 0.65, 0.20.
    expect(summary.peakLoss).toBeGreaterThan(10 * summary.initialLoss);
    const final = eigenvalues(summary.steps);
    expect(final).toHaveLength(2);
    for (const lambda of final) expect(eta * lambda).toBeLessThan(2);
  });
});
