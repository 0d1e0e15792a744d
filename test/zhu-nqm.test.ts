import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel, runExample, type Trace, trace } from './support.js';

/*
 * Zhu et al. (papers.md §1b; §6 "Zhu NQM" targets 1 and 2): the single-example neural quadratic
 * model (NQM) of the two-layer ReLU network f = m^{-1/2} Σ vᵢ ReLU(d^{-1/2} uᵢᵀx), u ~ N(0, I),
 * v ~ Unif{±1} (`secondLayer: rademacher`), m = 2000, d = 10, y = 1, loss L = ½Σ(f − y)² (Zhu's sum
 * with ½), full-batch GD at η = r/λ₀. The NQM is `quadratic` of that `two-layer` base.
 *
 * Loss convention: with ½·Σ and one example the loss-matched NTK the kernel reports (`ntk_lambda`,
 * state.ntkTopEigenvalues) is K = ‖∇g‖², which is exactly Zhu's λ = (md)^{-1} Σᵢ 1ᵢ(vᵢ²‖x‖² + (uᵢᵀx)²)
 * of the (g, λ) recursion; with n = 1, ½·mean gives the same λ, and mean without ½ would give 2λ.
 *
 * papers.md does not say which x the [SIM] used. Re-running the numpy sim with the draw order of the
 * App. 19.4 fixture (numpy.random.default_rng(0): x = standard_normal(10), then u, then
 * v = choice([-1, 1])) gives peak/L₀ = 37.44/122.89/167.74/298.05, papers.md's 37/123/168/298, and
 * no other plausible draw we tried does (‖x‖ = 1, ‖x‖ = √d, x = e₁√d, x = 1, the legacy numpy rng,
 * other orders: 7 to 2.7e4 at r = 2.5). So x ~ N(0, I_d), and the first describe block loads those
 * draws (test/fixtures), the second uses tdlab's own.
 */

const m = 2000;
const d = 10;
const net = { use: 'two-layer', width: m, activation: 'relu', secondLayer: 'rademacher' };
const nqm = { use: 'quadratic', base: net };

interface Fixture {
  readonly x: number[];
  /** uᵢ·x, i = 1 … m. */
  readonly ux: number[];
  readonly v: number[];
  /** θ₀ as a flat JSON array for `model.initialParameters`. */
  readonly parametersFile: string;
}

/**
 * For one input, f, its gradient and the NTK depend on uᵢ only through uᵢ·x, and GD moves uᵢ only
 * along x; so θ₀ with uᵢ = (uᵢ·x/‖x‖²)·x has the same trajectory of (f, λ) as the full numpy u
 * (to rounding), for the NQM and for the network. The fixture stores uᵢ·x instead of 20 000 entries.
 */
function loadFixture(): Fixture {
  const here = dirname(fileURLToPath(import.meta.url));
  const draws = JSON.parse(readFileSync(resolve(here, 'fixtures', 'zhu-nqm-single-example-numpy-seed0.json'), 'utf8')) as Omit<Fixture, 'parametersFile'>;
  const q = normSquared(draws.x);
  const theta = new Array<number>(m * d + m);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) theta[i * d + j] = (draws.ux[i] / q) * draws.x[j];
  for (let i = 0; i < m; i++) theta[m * d + i] = draws.v[i];
  const parametersFile = join(mkdtempSync(join(tmpdir(), 'tdlab-zhu-nqm-')), 'theta0.json');
  writeFileSync(parametersFile, JSON.stringify(theta));
  return { ...draws, parametersFile };
}

function normSquared(x: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] ** 2;
  return s;
}

interface NqmRun {
  readonly r: number;
  readonly fixture?: Fixture;
  readonly model?: Record<string, unknown>;
  readonly arms?: Record<string, unknown>;
  readonly seed?: number;
  readonly steps?: number;
}

function nqmStudy({ r, fixture, model = nqm, arms, seed = 0, steps = 150 }: NqmRun): Record<string, unknown> {
  return {
    name: `zhu-nqm-r${r}`,
    seed,
    // Our own draws: x ~ N(0, I_d) from `gaussian-inputs`, as in the [SIM].
    data: fixture ? { use: 'single-example', x: fixture.x, y: 1 } : { use: 'gaussian-inputs', n: 1, d, y: 1 },
    model: fixture ? { ...model, initialParameters: fixture.parametersFile } : model,
    ...(arms ? { arms } : {}),
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
    stop: { lossAbove: 1e12 },
  };
}

const peak = (run: readonly Trace[]) => Math.max(...run.map((t) => t.loss).filter(Number.isFinite));

/** The loss never rises while it is above the rounding floor (it reaches 0 or ~1e-31). */
function monotone(run: readonly Trace[]): boolean {
  for (let t = 1; t < run.length && run[t - 1].loss > 1e-20; t++) if (run[t].loss > run[t - 1].loss) return false;
  return true;
}

/** Catapult (papers.md §1b Theorem 1): a spike above L₀ after step 0, then convergence with ηλ_f < 2. */
function expectCatapult(run: readonly Trace[], finalLoss: number): void {
  const last = run.at(-1)!;
  expect(last.outcome).toBe('max-steps');
  expect(run.findIndex((t) => t.loss === peak(run))).toBeGreaterThan(0);
  expect(last.loss).toBeLessThan(finalLoss);
  expect(last.lr * last.lambda).toBeLessThan(2);
  expect(last.lambda).toBeLessThan(run[0].lambda);
}

/** Per arm, the trace `support.trace` gives for a study without arms. */
async function traceArms(spec: Record<string, unknown>): Promise<Map<string, Trace[]>> {
  const arms = new Map<string, Trace[]>();
  await lastValueFrom(
    kernel.run(spec).pipe(
      map((event) => {
        const arm = event.arm ?? 'model';
        if (!arms.has(arm)) arms.set(arm, []);
        arms.get(arm)!.push({
          step: event.step,
          loss: event.loss,
          lr: event.lr,
          outcome: event.outcome,
          output: event.state.outputs[0],
          lambda: Number.isFinite(event.loss) ? event.state.ntkTopEigenvalues(1)[0] : Number.NaN,
          weightNormRatio: Number.NaN,
        });
      }),
      toArray(),
    ),
  );
  return arms;
}

describe('Zhu et al. §1b single-example ReLU NQM (m = 2000, d = 10, y = 1) — papers.md §6 Zhu NQM target 1, with the draws of our [SIM] re-run', () => {
  const fixture = loadFixture();
  // peak/L₀ of our numpy re-run on the fixture's draws (float64; papers.md rounds them to 37/123/168/298).
  const simulated = new Map([
    [2.5, 37.44465194652991],
    [3, 122.89345340633527],
    [3.5, 167.73575012355317],
    [3.9, 298.0459358154325],
  ]);

  it('λ₀ reported by the kernel is Zhu’s (md)^{-1} Σᵢ 1ᵢ(vᵢ²‖x‖² + (uᵢᵀx)²) and η = r/λ₀', async () => {
    const [first] = await trace(nqmStudy({ r: 3, fixture, steps: 1 }));
    const q = normSquared(fixture.x);
    let lambda = 0;
    for (let i = 0; i < m; i++) if (fixture.ux[i] > 0) lambda += fixture.v[i] ** 2 * q + fixture.ux[i] ** 2;
    lambda /= m * d;
    // [measured] 0.5109; Prop. 6 bounds it by ‖x‖²/(2d) = 0.278 and 3‖x‖²/(2d) = 0.835.
    expect(Math.abs(first.lambda / lambda - 1)).toBeLessThan(1e-12);
    expect(first.lr * first.lambda).toBeCloseTo(3, 12);
  });

  it.each([...simulated])('r = %s catapults: peak/L₀ is the [SIM] value (1e-9 relative), then it converges with ηλ_f < 2', async (r, ratio) => {
    const run = await trace(nqmStudy({ r, fixture }));
    // Both are float64 GD on the same draws and differ in summation order and in how g is formed
    // (the NQM's f₀ + Jδ + ½δᵀHδ here, the masked uv model in numpy): measured 1e-16 to 1e-15 relative.
    expect(Math.abs(peak(run) / run[0].loss / ratio - 1)).toBeLessThan(1e-9);
    // [measured] final loss 0 to 1e-31 after 150 steps; ηλ_f = 1.26, 0.26, 0.30, 0.62.
    expectCatapult(run, 1e-20);
  });

  it('r = 1.5 is monotone (no catapult) and λ barely moves; r = 4.2 diverges (loss > 1e12) at step 7', async () => {
    const lazy = await trace(nqmStudy({ r: 1.5, fixture }));
    expect(monotone(lazy)).toBe(true);
    expect(lazy.at(-1)!.loss).toBeLessThan(1e-20);
    // [measured] ηλ_f = 1.49964.
    expect(Math.abs(lazy.at(-1)!.lambda / lazy[0].lambda - 1)).toBeLessThan(1e-3);
    const diverging = await trace(nqmStudy({ r: 4.2, fixture }));
    // [measured and SIM] loss 3.7, 35, 131, 251, 2.2e3, 3.8e6, 7.2e16 at steps 1–7.
    expect(diverging.at(-1)!.outcome).toBe('diverged');
    expect(diverging.at(-1)!.step).toBe(7);
  });

  it('the network as an arm beside its NQM: it catapults too, lower (peak/L₀ 23/81/125/202), and at r = 4.2 its ReLUs die instead of diverging', async () => {
    const ratios: number[] = [];
    for (const r of [2.5, 3, 3.5, 3.9]) {
      const arms = await traceArms(nqmStudy({ r, fixture, model: net, arms: { quadratic: nqm } }));
      const network = arms.get('model')!;
      expect(Math.abs(peak(arms.get('quadratic')!) / arms.get('quadratic')![0].loss / simulated.get(r)! - 1)).toBeLessThan(1e-9);
      expectCatapult(network, 1e-20);
      ratios.push(peak(network) / network[0].loss);
    }
    // [measured] 22.9, 80.8, 125.2, 201.7: activations that flip during the spike (the NQM keeps
    // the mask of θ₀) cut the growth; the ordering in r is the NQM's.
    for (let k = 0; k < 4; k++) {
      expect(ratios[k]).toBeGreaterThan(0.5 * simulated.get([2.5, 3, 3.5, 3.9][k])!);
      expect(ratios[k]).toBeLessThan(simulated.get([2.5, 3, 3.5, 3.9][k])!);
      if (k > 0) expect(ratios[k]).toBeGreaterThan(ratios[k - 1]);
    }
    const arms = await traceArms(nqmStudy({ r: 4.2, fixture, model: net, arms: { quadratic: nqm } }));
    expect(arms.get('quadratic')!.at(-1)!.outcome).toBe('diverged');
    // The network stops at f = 0: every unit's pre-activation pushed below 0, so λ = 0 and the loss
    // is ½y² = ½ for good — a dead network, not a catapult (the NQM's fixed mask cannot do this).
    const network = arms.get('model')!.at(-1)!;
    expect(network.outcome).toBe('max-steps');
    expect(network.output).toBe(0);
    expect(network.lambda).toBe(0);
    expect(network.loss).toBe(0.5);
  });
});

describe('Zhu et al. §1b single-example ReLU NQM — papers.md §6 Zhu NQM target 1, with tdlab’s own draws (seeds 0–2, x ~ N(0, I_d))', () => {
  // peak/L₀ depends on L₀ = ½(f₀ − 1)², and f₀ is random: over 200 numpy seeds it spans 7.8 to 1.3e6
  // at r = 2.5. The peak itself scales with ‖x‖² (λ₀ ∝ ‖x‖²/d) and is far tighter: peak/‖x‖² over
  // 200 numpy seeds (min–max) is 2.4–3.5, 6.8–10.9, 10.7–19.9, 11.7–26.7 for r = 2.5, 3, 3.5, 3.9
  // ([SIM] seed 0: 2.45, 8.04, 10.98, 19.51). The bands below are those ranges widened by ≈ 20%.
  const bands = new Map([
    [2.5, [2, 4.5]],
    [3, [5.5, 13]],
    [3.5, [8.5, 24]],
    [3.9, [9.5, 32]],
  ]);

  it.each([0, 1, 2])('seed %s: r = 1.5 monotone; r ∈ {2.5, 3, 3.5, 3.9} catapult (peak/L₀ > 5, peak/‖x‖² in band, ordered) with ηλ_f < 2; r = 4.2 diverges', async (seed) => {
    const [first] = await lastValueFrom(kernel.run(nqmStudy({ r: 1, seed, steps: 1 })).pipe(map((event) => normSquared(event.state.data.train.x)), toArray()));
    const q = first;
    expect(monotone(await trace(nqmStudy({ r: 1.5, seed })))).toBe(true);
    const peaks: number[] = [];
    for (const [r, [low, high]] of bands) {
      const run = await trace(nqmStudy({ r, seed, steps: 200 }));
      // [numpy, 200 seeds] final loss ≤ 1e-14 after 150 steps, ηλ_f ≤ 1.85; peak/L₀ ≥ 7.8.
      expectCatapult(run, 1e-10);
      expect(peak(run) / run[0].loss).toBeGreaterThan(5);
      expect(peak(run) / q).toBeGreaterThan(low);
      expect(peak(run) / q).toBeLessThan(high);
      peaks.push(peak(run));
    }
    // [numpy, 200/200 seeds] peak(2.5) < peak(3) < peak(3.5) and peak(3.9) > peak(3); 3.5 vs 3.9
    // goes either way (80% ordered), so it is not asserted.
    expect(peaks[0]).toBeLessThan(peaks[1]);
    expect(peaks[1]).toBeLessThan(peaks[2]);
    expect(peaks[3]).toBeGreaterThan(peaks[1]);
    const diverging = await trace(nqmStudy({ r: 4.2, seed, steps: 30 }));
    // [numpy, 200 seeds] loss > 1e12 at step 7 to 13.
    expect(diverging.at(-1)!.outcome).toBe('diverged');
    expect(diverging.at(-1)!.step).toBeLessThanOrEqual(20);
  });
});

describe('Zhu et al. §1b "Single-example dynamics (exact)" — papers.md §6 Zhu NQM target 2, through the kernel’s stream', () => {
  // The model-level check (one GD step by hand with vjp follows the recursion) is in
  // plugins/models/src/quadratic-model.test.ts and two-layer-model.test.ts. Here the kernel trains the
  // NQM and the recursion is checked on what it streams: g = f(x) and λ = ntk_lambda at every step.
  const fixture = loadFixture();
  const k = normSquared(fixture.x) / (m * d);

  it.each([1.5, 2.5, 3, 3.9, 4.2])('r = %s: every step of (g, λ) is one step of the closed recursion to 1e-9 relative', async (r) => {
    const run = await trace(nqmStudy({ r, fixture, steps: 40 }));
    const y = 1;
    let checked = 0;
    // Stop once g − y has converged to rounding level or blown up: the recursion is then a statement
    // about rounding errors, not dynamics.
    for (let t = 0; t + 1 < run.length && Number.isFinite(run[t + 1].loss); t++) {
      const { output: g, lambda, lr: eta } = run[t];
      const e = g - y;
      if (Math.abs(e) < 1e-6 || Math.abs(e) > 1e6) break;
      // g(t+1) − y = (1 − ηλ + (‖x‖²/(md))η²(g − y)g)(g − y)
      const eNext = (1 - eta * lambda + k * eta * eta * e * g) * e;
      // λ(t+1) = λ − η(‖x‖²/(md))(g − y)²(4g/(g − y) − ηλ)
      const lambdaNext = lambda - eta * k * e * e * ((4 * g) / e - eta * lambda);
      // Relative to the size of the terms: near r = 2 the factor 1 − ηλ + … cancels.
      expect(Math.abs(run[t + 1].output - y - eNext)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(eNext), Math.abs(e)));
      expect(Math.abs(run[t + 1].lambda - lambdaNext)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(lambdaNext), Math.abs(lambda)));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});

describe('examples/catapult/studies/zhu-single-example-nqm.yaml through the CLI (papers.md §6 Zhu NQM target 1, r = 3)', () => {
  it('the NQM (model) and the network (arm) both catapult and converge with final η·λ < 2', async () => {
    const { summary } = await runExample('zhu-single-example-nqm');
    expect(summary.normalizedLr).toBeCloseTo(3, 10);
    // [measured] NQM peak 73.3 and network 54.8 from L₀ = 0.453, both at step 4; final η·λ 0.28 and 0.53.
    for (const arm of ['model', 'network']) {
      const own = summary.arms![arm];
      expect(own.outcome).toBe('max-steps');
      expect(own.peakLoss).toBeGreaterThan(50 * own.initialLoss);
      expect(own.finalLoss).toBeLessThan(1e-20);
      expect(own.finalNormalizedLr).toBeLessThan(2);
    }
  });
});
