import type { Inputs } from '@tdlab/core';
import { checkModelDerivatives } from '@tdlab/core/testing';
import { MlpModel, type MlpModelOptions, type ParameterizationName } from '@tdlab/plugin-models';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';

/** νP's widths n_k = n_1·k², as `nuWidths(L, n_1)` gives them (checked in mlp-model.test.ts). */
const nuWidths = (depth: number, baseWidth: number): number[] => Array.from({ length: depth }, (_, k) => baseWidth * (k + 1) ** 2);

function dot(row: Float64Array, input: Float64Array, offset: number, length: number): number {
  let s = 0;
  for (let j = 0; j < length; j++) s += row[j] * input[offset + j];
  return s;
}

/**
 * z^1 … z^{L+1} (n × n_l each, row-major; z^{L+1} = f) by a naive loop over the documented formula
 * z^l = a_l W^l h^{l−1} + β_l b^l, written apart from the model's gemm passes.
 */
function preActivations(model: MlpModel, params: Float64Array, inputs: Inputs): Float64Array[] {
  const { n } = inputs;
  const out: Float64Array[] = [];
  let offset = 0;
  let input = Float64Array.from(inputs.x as ArrayLike<number>);
  let fanIn = model.inputDim;
  const fanOuts = [...model.widths, 1];
  for (let l = 0; l < fanOuts.length; l++) {
    const width = fanOuts[l];
    const { weightMultiplier: a, biasMultiplier: beta } = model.scalings[l];
    const weightOffset = offset;
    offset += width * fanIn;
    const biasOffset = model.bias ? offset : -1;
    if (model.bias) offset += width;
    const z = new Float64Array(n * width);
    for (let i = 0; i < width; i++) {
      const row = params.subarray(weightOffset + i * fanIn, weightOffset + (i + 1) * fanIn);
      const shift = biasOffset >= 0 ? beta * params[biasOffset + i] : 0;
      for (let k = 0; k < n; k++) z[k * width + i] = a * dot(row, input, k * fanIn, fanIn) + shift;
    }
    out.push(z);
    input = new Float64Array(z.length);
    model.activation.apply(z, input, z.length);
    fanIn = width;
  }
  return out;
}

function rms(v: Float64Array): number {
  let s = 0;
  for (const e of v) s += e * e;
  return Math.sqrt(s / v.length);
}

/**
 * The coordinate check: from the model's initialization, one full-batch GD step θ₁ = θ₀ − η∇L with
 * L = (1/2n) Σ (f − y)², then per hidden layer RMS(z^l(θ₁) − z^l(θ₀)) / RMS(z^l(θ₀)); returns the
 * largest over the layers.
 */
function maxRelativeChange(options: MlpModelOptions, lr: number, seed: number, n = 8): number {
  const model = new MlpModel(options);
  const rng = new Rng(seed);
  const params = new Float64Array(model.parameterCount);
  model.initialize(rng.derive('params'), params);
  const x = new Float64Array(n * options.inputDim);
  rng.derive('x').fillNormal(x, 0, 1);
  const y = new Float64Array(n);
  rng.derive('y').fillNormal(y, 0, 1);
  const inputs = { x, n };
  const f = new Float64Array(n);
  model.forward(params, inputs, f);
  const gradient = new Float64Array(model.parameterCount);
  model.vjp(params, inputs, f.map((value, k) => (value - y[k]) / n), gradient);
  model.dispose();
  const next = params.map((value, i) => value - lr * gradient[i]);
  const before = preActivations(model, params, inputs).slice(0, -1);
  const after = preActivations(model, next, inputs).slice(0, -1);
  return Math.max(...before.map((z, l) => rms(after[l].map((value, i) => value - z[i])) / rms(z)));
}

/** The mean over seeds of the coordinate check, for each depth, divided by its value at the first depth. */
function growth(parameterization: ParameterizationName, widths: (depth: number) => number[], depths: readonly number[], seeds: readonly number[]): number[] {
  const means = depths.map((depth) => {
    const options = { inputDim: 16, widths: widths(depth), parameterization, activation: 'relu' as const };
    return seeds.reduce((sum, seed) => sum + maxRelativeChange(options, 1e-3, seed), 0) / seeds.length;
  });
  return means.map((mean) => mean / means[0]);
}

const depths = [2, 4, 8, 16] as const;
const seeds = [1, 2, 3, 4, 5, 6];

describe('νP (papers.md §4, Terjék 2025; our stand-in formulas): a coordinate check over depth', () => {
  // d = 16, batch 8, ReLU at the critical (σ_w², σ_b²) = (2, 0), η = 1e-3 (every change is linear in η
  // at this size, so only the ratios matter), νP widths n_k = 4k² (n_16 = 1024). Measured: the mean
  // over seeds of max_l RMS(Δz^l)/RMS(z^l), relative to its value at L = 2, for L = 2, 4, 8, 16.
  // Asserted here (seeds 1–6; standard on νP widths seeds 1–3):
  //   nu,       widths 4k²:  ×1, 0.57, 0.71, 1.08    (L = 2: 3.6e-4)
  //   standard, widths 4k²:  ×1, –, –, 11.3
  //   standard, width 64:    ×1, –, –, 32.8
  //   ntk,      width 64:    ×1, –, –, 26.1
  // From the exploration (seeds 1–5), not asserted:
  //   standard, widths 4k²:  ×1, 1.01, 3.0, 21       (L = 2: 9.9e-3)
  //   ntk,      widths 4k²:  ×1, 0.91, 0.99, 2.5     (seeds 101–108: ×3.6) — only ≈ log L: ntk's direct
  //                          move per layer is ∝ 1/√n_k, and Σ_k 1/k grows like log L; on νP's widths
  //                          ntk does not drift much, it goes lazy (next line)
  //   nu,       width 64:    ×1, 1.2, 3.3, 3.2       (the finite-width drift the growing widths remove)
  //   at L = 4, n_1 = 4 → 16: nu 1.66e-4 → 1.63e-4 (width-independent, as μP), ntk 1.13e-3 → 2.8e-4.
  it(
    'with nu the largest per-layer change of the pre-activations stays within 3× of its L = 2 value up to L = 16',
    () => {
      const nu = growth('nu', (depth) => nuWidths(depth, 4), depths, seeds);
      for (const ratio of nu) {
        expect(ratio).toBeLessThan(3);
        expect(ratio).toBeGreaterThan(1 / 3);
      }
    },
    120_000,
  );

  it(
    'standard grows by more than 5× on the same widths, standard and ntk by more than 10× at constant width',
    () => {
      const standard = growth('standard', (depth) => nuWidths(depth, 4), [2, 16], seeds.slice(0, 3));
      expect(standard[1]).toBeGreaterThan(5);
      const constant = (depth: number) => Array.from({ length: depth }, () => 64);
      for (const parameterization of ['standard', 'ntk'] as const) {
        expect(growth(parameterization, constant, [2, 16], seeds)[1]).toBeGreaterThan(10);
      }
    },
    120_000,
  );
});

describe('νP: derivatives against finite differences (checkModelDerivatives)', () => {
  const cases: { name: string; options: MlpModelOptions }[] = [
    { name: 'relu, widths 2·k² = [2, 8, 18]', options: { inputDim: 3, widths: nuWidths(3, 2), parameterization: 'nu' } },
    {
      name: 'tanh with biases, widths [3, 12]',
      options: { inputDim: 3, widths: nuWidths(2, 3), activation: 'tanh', bias: true, biasVariance: 0.1, parameterization: 'nu' },
    },
  ];
  for (const { name, options } of cases) {
    it(name, () => {
      const model = new MlpModel(options);
      const rng = new Rng(5);
      const params = new Float64Array(model.parameterCount);
      model.initialize(rng.derive('params'), params);
      const n = 4;
      const x = new Float64Array(n * options.inputDim);
      rng.derive('x').fillNormal(x, 0, 1);
      const inputs = { x, n };
      const results = checkModelDerivatives(model, params, inputs, {
        name: `mlp nu, ${name}`,
        forwardReference: (theta) => preActivations(model, theta, inputs).at(-1)!,
        absoluteTolerance: 1e-9,
      });
      expect(results.every((result) => result.passed)).toBe(true);
    });
  }
});
