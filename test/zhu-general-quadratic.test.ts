import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Trace, trace } from './support.js';

/*
 * Zhu et al., App. 19.4 (papers.md §1b; §6 Zhu target 3): the general quadratic model
 * g(w; x) = wᵀφ(x) + ½γ wᵀΣw with d = 100, φ(x) = x/‖x‖, x_i ~ N(0, 1), Σ = diag(±1) fixed, w₀ ~ N(0, I),
 * one example with y = 0, loss ½·Σ(g − y)² (Zhu's sum with ½; with one example every normalization
 * of papers.md §0 but torch's gives this λ), full-batch GD.
 *
 * App. 19.4 states η itself, not r = ηλ₀, so the schedule uses the absolute η. Here
 * λ₀ = ‖φ + γΣw₀‖² = 1 + 2γφᵀΣw₀ + γ²‖w₀‖² = 1 + O(γ), so η and r agree to about 2% at γ = 1e-2.
 */

const peak = (run: Trace[]) => Math.max(...run.map((t) => t.loss).filter(Number.isFinite));

interface ZhuRun {
  readonly gamma: number;
  readonly eta: number;
  readonly seed?: number;
  /** The [SIM] draws, or undefined for our own (gaussian-inputs, diagonal-rademacher, N(0, I) init). */
  readonly fixture?: Fixture;
  readonly steps?: number;
}

interface Fixture {
  readonly x: number[];
  readonly sigma: number[];
  readonly w0: number[];
  /** A JSON file { w: w0 } for `model.initialParameters`. */
  readonly parametersFile: string;
}

function zhuStudy({ gamma, eta, seed = 0, fixture, steps = 1000 }: ZhuRun): Record<string, unknown> {
  return {
    name: `zhu-general-quadratic-g${gamma}-eta${eta}`,
    seed,
    data: fixture ? { use: 'single-example', x: fixture.x, y: 0 } : { use: 'gaussian-inputs', n: 1, d: 100, y: 0 },
    model: fixture
      ? { use: 'general-quadratic', gamma, sigma: fixture.sigma, initialParameters: fixture.parametersFile }
      : { use: 'general-quadratic', gamma },
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: eta },
    steps,
    stop: { lossAbove: 1e12 },
  };
}

function loadFixture(): Fixture {
  const here = dirname(fileURLToPath(import.meta.url));
  const draws = JSON.parse(readFileSync(resolve(here, 'fixtures', 'zhu-app-19-4-numpy-seed0.json'), 'utf8')) as Omit<Fixture, 'parametersFile'>;
  const parametersFile = join(mkdtempSync(join(tmpdir(), 'tdlab-zhu-')), 'w0.json');
  writeFileSync(parametersFile, JSON.stringify({ w: draws.w0 }));
  return { ...draws, parametersFile };
}

/** The loss never rises while it is above the rounding floor (it reaches ~1e-33). */
function monotone(run: Trace[]): boolean {
  for (let t = 1; t < run.length && run[t - 1].loss > 1e-20; t++) if (run[t].loss > run[t - 1].loss) return false;
  return true;
}

/**
 * Catapult: the loss rises to the O(1/γ²) scale (far above L₀ = ½(φ·w₀)² = O(1); 0.002/γ² is a
 * quarter of the smallest [SIM] peak·γ², 0.008 at η = 2.4), then converges with ηλ_f < 2.
 */
function expectCatapult(run: Trace[], gamma: number): void {
  const last = run.at(-1)!;
  expect(last.outcome).toBe('max-steps');
  expect(peak(run)).toBeGreaterThan(Math.max(10 * run[0].loss, 0.002 / gamma ** 2));
  expect(last.loss).toBeLessThan(1e-15);
  expect(last.lr * last.lambda).toBeLessThan(2);
}

function expectDivergence(run: Trace[]): void {
  const last = run.at(-1)!;
  expect(last.outcome).toBe('diverged');
  expect(last.step).toBeLessThanOrEqual(30);
}

const gammas = [1e-2, 1e-3, 1e-4];

describe('Zhu et al. App. 19.4, general quadratic model — papers.md §1b, §6 Zhu target 3, with the draws of our [SIM] re-run', () => {
  const fixture = loadFixture();
  // numpy.random.default_rng(0), x then Σ then w₀ (test/fixtures): peak of ½g² at η = 2.8 in our numpy
  // re-run, whose rounded values papers.md §6 quotes as 376, 2.85e4, 2.9e6.
  const simulated = new Map([
    [1e-2, 376.3656999634232],
    [1e-3, 28523.543191189263],
    [1e-4, 2901980.066055516],
  ]);

  it.each(gammas)('γ = %s, η = 2.8: the peak loss is the [SIM] value (1e-10 relative) and ≈ 0.03/γ²', async (gamma) => {
    const run = await trace(zhuStudy({ gamma, eta: 2.8, fixture }));
    expectCatapult(run, gamma);
    // Both are float64 GD on the same draws and differ only in summation order (measured: 1e-15 to
    // 1e-14 relative); the ~15 steps of growth amplify rounding far less than the 1e-10 allowed.
    expect(Math.abs(peak(run) / simulated.get(gamma)! - 1)).toBeLessThan(1e-10);
  });

  it.each(gammas)('γ = %s: η ∈ {2.4, 3.5} catapult and converge with ηλ_f < 2, η = 1.5 is monotone, η = 4.2 diverges', async (gamma) => {
    for (const eta of [2.4, 3.5]) expectCatapult(await trace(zhuStudy({ gamma, eta, fixture })), gamma);
    const lazy = await trace(zhuStudy({ gamma, eta: 1.5, fixture }));
    expect(monotone(lazy)).toBe(true);
    expect(lazy.at(-1)!.loss).toBeLessThan(1e-20);
    expectDivergence(await trace(zhuStudy({ gamma, eta: 4.2, fixture })));
  });
});

describe('Zhu et al. App. 19.4, general quadratic model — papers.md §1b, §6 Zhu target 3, with tdlab’s own draws (seeds 0–2)', () => {
  // 200 numpy seeds of the same set-up put peak·γ² at η = 2.8 in [0.025, 0.044] (1st–99th percentile
  // [0.026, 0.039]) for γ = 1e-3, with the [SIM] seed at 0.0285 (γ = 1e-3), 0.0376 (1e-2), 0.0290 (1e-4).
  // The spread comes from the random φᵀΣφ, φᵀw₀ and Σ-weighted norms entering λ₀ and the growth rate,
  // so with other draws the values can only match within that band: [0.02, 0.05]·γ^{-2}.
  it.each([0, 1, 2])('seed %s: η ∈ {2.4, 2.8, 3.5} converge with ηλ_f < 2, η = 1.5 is monotone, η = 4.2 diverges, for γ = 1e-2, 1e-3, 1e-4', async (seed) => {
    for (const gamma of gammas) {
      for (const eta of [2.4, 2.8, 3.5]) expectCatapult(await trace(zhuStudy({ gamma, eta, seed })), gamma);
      expect(monotone(await trace(zhuStudy({ gamma, eta: 1.5, seed })))).toBe(true);
      expectDivergence(await trace(zhuStudy({ gamma, eta: 4.2, seed })));
    }
  });

  it.each([0, 1, 2])('seed %s, η = 2.8: peak·γ² ∈ [0.02, 0.05], and the peak grows ≈ 1/γ² (×100 per decade of γ, within [50, 200])', async (seed) => {
    const peaks: number[] = [];
    for (const gamma of gammas) peaks.push(peak(await trace(zhuStudy({ gamma, eta: 2.8, seed, steps: 200 }))));
    peaks.forEach((value, i) => {
      expect(value * gammas[i] ** 2).toBeGreaterThan(0.02);
      expect(value * gammas[i] ** 2).toBeLessThan(0.05);
    });
    for (const ratio of [peaks[1] / peaks[0], peaks[2] / peaks[1]]) {
      expect(ratio).toBeGreaterThan(50);
      expect(ratio).toBeLessThan(200);
    }
  });
});
