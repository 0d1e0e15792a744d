import type { OptimizerContext } from '@tdlab/core';
import { testOptimizerContext } from '@tdlab/core/testing';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { Adam, adam, adamw, MinibatchSgd, Momentum, momentum, NormalizedGradientDescent, nesterov, normalizedGradientDescent } from './index.js';

function context(parameterCount = 2, seed = 0): OptimizerContext {
  return testOptimizerContext(parameterCount, { seed });
}

/** Options as the study resolver parses them: unknown keys rejected. */
function parse<S extends { options: type.Any }>(contribution: S, raw: Record<string, unknown>): unknown {
  return contribution.options.onUndeclaredKey('reject')(raw);
}

function summary(contribution: { options: type.Any }, raw: Record<string, unknown>): string {
  const result = parse(contribution, raw);
  expect(result).toBeInstanceOf(type.errors);
  return (result as type.errors).summary;
}

/** |a − b| ≤ 1e-15·(1 + |b|) entrywise. */
function expectExact(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(1e-15 * (1 + Math.abs(expected[i])));
}

// Dyadic numbers, so the hand computations below are exact in float64.
const theta0 = () => Float64Array.of(1, -2);
const gradients = [Float64Array.of(1, 2), Float64Array.of(0.5, -1), Float64Array.of(-1, 0.5)];

function trajectory(optimizer: { update(p: Float64Array, g: Float64Array, lr: number, step: number): void }, lr: number, theta = theta0()): number[][] {
  return gradients.map((g, step) => {
    optimizer.update(theta, g, lr, step);
    return [...theta];
  });
}

describe('momentum and nesterov (PyTorch SGD convention, dampening 0)', () => {
  it('default β = 0.9, weight decay 0, full batch', () => {
    expect(parse(momentum, {})).toEqual({ beta: 0.9, weightDecay: 0 });
    expect(parse(nesterov, {})).toEqual({ beta: 0.9, weightDecay: 0 });
    const optimizer = momentum.create({ beta: 0.9, weightDecay: 0 }, context());
    expect(optimizer).toBeInstanceOf(Momentum);
    expect(optimizer.batchSize).toBeUndefined();
    expect(optimizer.selectBatch).toBeUndefined();
  });

  it('heavy ball, β = ½, η = ¼: b ← βb + g, θ ← θ − ηb (by hand)', () => {
    // b₁ = (1, 2), θ₁ = (¾, −5/2); b₂ = (1, 0), θ₂ = (½, −5/2); b₃ = (−½, ½), θ₃ = (5/8, −21/8).
    expect(trajectory(new Momentum(2, 0.5), 0.25)).toEqual([
      [0.75, -2.5],
      [0.5, -2.5],
      [0.625, -2.625],
    ]);
  });

  it('nesterov, β = ½, η = ¼: θ ← θ − η(g + βb) (by hand), and it differs from heavy ball', () => {
    // g + βb: (3/2, 3), (1, −1), (−5/4, 3/4).
    const steps = trajectory(new Momentum(2, 0.5, true), 0.25);
    expect(steps).toEqual([
      [0.625, -2.75],
      [0.375, -2.5],
      [0.6875, -2.6875],
    ]);
    expect(steps).not.toEqual(trajectory(new Momentum(2, 0.5), 0.25));
  });

  it('β = 0.9 over three steps, to 1e-15', () => {
    const lr = 0.1;
    const [g1, g2, g3] = gradients;
    const b1 = [...g1];
    const b2 = b1.map((b, i) => 0.9 * b + g2[i]);
    const b3 = b2.map((b, i) => 0.9 * b + g3[i]);
    const expected = [0, 1].map((i) => 1 * [1, -2][i] - lr * b1[i] - lr * b2[i] - lr * b3[i]);
    expectExact(trajectory(new Momentum(2, 0.9), lr)[2], expected);
    const n = (b: number[], g: Float64Array) => b.map((bi, i) => g[i] + 0.9 * bi);
    const nesterovExpected = [0, 1].map((i) => [1, -2][i] - lr * n(b1, g1)[i] - lr * n(b2, g2)[i] - lr * n(b3, g3)[i]);
    expectExact(trajectory(new Momentum(2, 0.9, true), lr)[2], nesterovExpected);
  });

  it('weight decay is L2 through the buffer: d = g + λθ, b ← βb + d (by hand, β = ½, λ = ½, η = ¼)', () => {
    expect(trajectory(new Momentum(2, 0.5, false, 0.5), 0.25)).toEqual([
      [0.625, -2.25],
      [0.234375, -1.84375],
      [0.259765625, -1.53515625],
    ]);
    // Nesterov with decay: the same d, stepped along d + βb.
    const theta = theta0();
    const b = [0, 0];
    const expected: number[][] = [];
    for (const g of gradients) {
      const d = [0, 1].map((i) => g[i] + 0.5 * theta[i]);
      for (const i of [0, 1]) b[i] = 0.5 * b[i] + d[i];
      for (const i of [0, 1]) theta[i] -= 0.25 * (d[i] + 0.5 * b[i]);
      expected.push([...theta]);
    }
    expect(trajectory(new Momentum(2, 0.5, true, 0.5), 0.25)).toEqual(expected);
  });

  it('β = 0 is gradient descent', () => {
    expect(trajectory(new Momentum(2, 0), 0.25)).toEqual([
      [0.75, -2.5],
      [0.625, -2.25],
      [0.875, -2.375],
    ]);
  });

  it('keeps one buffer for the run', () => {
    const optimizer = new Momentum(2, 0.9);
    const buffer = (optimizer as unknown as { buffer: Float64Array }).buffer;
    trajectory(optimizer, 0.1);
    expect((optimizer as unknown as { buffer: Float64Array }).buffer).toBe(buffer);
  });
});

describe('adam and adamw (PyTorch Adam / AdamW)', () => {
  const defaults = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

  it('defaults β₁ 0.9, β₂ 0.999, ε 1e-8, λ 0', () => {
    expect(parse(adam, {})).toEqual(defaults);
    expect(parse(adamw, {})).toEqual(defaults);
    expect(adam.create(defaults, context())).toBeInstanceOf(Adam);
  });

  it('two steps by hand, bias-corrected: θ ← θ − η m̂/(√v̂ + ε)', () => {
    const lr = 0.1;
    const [g1, g2] = gradients;
    const optimizer = new Adam(2);
    const theta = theta0();
    optimizer.update(theta, g1, lr, 0);
    // t = 1: m̂ = g, v̂ = g², so the step is η g/(|g| + ε) — η·sign(g) whatever |g| is.
    const theta1 = [0, 1].map((i) => [1, -2][i] - (lr * g1[i]) / (Math.abs(g1[i]) + 1e-8));
    expectExact(theta, theta1);
    optimizer.update(theta, g2, lr, 1);
    const m = [0, 1].map((i) => 0.9 * 0.1 * g1[i] + 0.1 * g2[i]);
    const v = [0, 1].map((i) => 0.999 * 0.001 * g1[i] ** 2 + 0.001 * g2[i] ** 2);
    const theta2 = [0, 1].map((i) => theta1[i] - (lr * (m[i] / 0.19)) / (Math.sqrt(v[i] / 0.001999) + 1e-8));
    expectExact(theta, theta2);
    expect(optimizer.updates).toBe(2);
  });

  it('bias correction: a constant gradient gives steps of η·g/(|g| + ε) from the first step on', () => {
    const optimizer = new Adam(3);
    const g = Float64Array.of(1e-6, -3, 250);
    const theta = new Float64Array(3);
    for (let t = 1; t <= 5; t++) {
      const before = Float64Array.from(theta);
      optimizer.update(theta, g, 0.01, t - 1);
      expectExact(
        theta.map((x, i) => x - before[i]),
        [...g].map((gi) => (-0.01 * gi) / (Math.abs(gi) + 1e-8)),
      );
    }
  });

  it('adam weight decay is L2 (g ← ∇L + λθ, normalized away by v̂); adamw is decoupled θ ← θ(1 − ηλ)', () => {
    // Zero loss gradient: adam still steps ≈ η towards 0 (g = λθ, step η·λθ/(λ|θ| + ε)) …
    const l2 = new Adam(1, 0.9, 0.999, 1e-8, 0.1);
    const a = Float64Array.of(2);
    l2.update(a, Float64Array.of(0), 0.5, 0);
    expectExact(a, [2 - (0.5 * 0.2) / (0.2 + 1e-8)]);
    // … while adamw only shrinks: m = v = 0, so θ ← θ(1 − ηλ) exactly, every step.
    const decoupled = new Adam(1, 0.9, 0.999, 1e-8, 0.1, true);
    const w = Float64Array.of(2);
    for (let step = 0; step < 3; step++) decoupled.update(w, Float64Array.of(0), 0.5, step);
    expectExact(w, [2 * 0.95 ** 3]);
  });

  it('adamw, two steps by hand with a gradient: shrink, then the Adam step on ∇L alone', () => {
    const lr = 0.1;
    const lambda = 0.5;
    const [g1, g2] = gradients;
    const optimizer = new Adam(2, 0.9, 0.999, 1e-8, lambda, true);
    const theta = theta0();
    optimizer.update(theta, g1, lr, 0);
    const theta1 = [0, 1].map((i) => [1, -2][i] * (1 - lr * lambda) - (lr * g1[i]) / (Math.abs(g1[i]) + 1e-8));
    expectExact(theta, theta1);
    optimizer.update(theta, g2, lr, 1);
    const m = [0, 1].map((i) => 0.9 * 0.1 * g1[i] + 0.1 * g2[i]);
    const v = [0, 1].map((i) => 0.999 * 0.001 * g1[i] ** 2 + 0.001 * g2[i] ** 2);
    expectExact(
      theta,
      [0, 1].map((i) => theta1[i] * (1 - lr * lambda) - (lr * (m[i] / 0.19)) / (Math.sqrt(v[i] / 0.001999) + 1e-8)),
    );
  });

  it('adam with L2, two steps by hand', () => {
    const lr = 0.1;
    const lambda = 0.5;
    const [g1, g2] = gradients;
    const optimizer = new Adam(2, 0.9, 0.999, 1e-8, lambda);
    const theta = theta0();
    optimizer.update(theta, g1, lr, 0);
    const d1 = [0, 1].map((i) => g1[i] + lambda * [1, -2][i]);
    const theta1 = [0, 1].map((i) => [1, -2][i] - (lr * d1[i]) / (Math.abs(d1[i]) + 1e-8));
    expectExact(theta, theta1);
    optimizer.update(theta, g2, lr, 1);
    const d2 = [0, 1].map((i) => g2[i] + lambda * theta1[i]);
    const m = [0, 1].map((i) => 0.9 * 0.1 * d1[i] + 0.1 * d2[i]);
    const v = [0, 1].map((i) => 0.999 * 0.001 * d1[i] ** 2 + 0.001 * d2[i] ** 2);
    expectExact(
      theta,
      [0, 1].map((i) => theta1[i] - (lr * (m[i] / 0.19)) / (Math.sqrt(v[i] / 0.001999) + 1e-8)),
    );
  });
});

describe('normalized-gd', () => {
  const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, xi) => s + xi * xi, 0));

  it('defaults to no weight decay, full batch', () => {
    expect(parse(normalizedGradientDescent, {})).toEqual({ weightDecay: 0 });
    const optimizer = normalizedGradientDescent.create({ weightDecay: 0 }, context());
    expect(optimizer).toBeInstanceOf(NormalizedGradientDescent);
    expect(optimizer.batchSize).toBeUndefined();
  });

  it('θ ← θ − η g/‖g‖ by hand: g = (3, 4), η = ½ steps by (0.3, 0.4)', () => {
    const theta = theta0();
    new NormalizedGradientDescent(2).update(theta, Float64Array.of(3, 4), 0.5, 0);
    expectExact(theta, [0.7, -2.4]);
  });

  it.each([1e-200, 1e-3, 1, 1e150, 1e200])('every step has length η, whatever the gradient scale (%s)', (scale) => {
    const rng = new Rng(7);
    const optimizer = new NormalizedGradientDescent(5);
    const theta = new Float64Array(5);
    for (let step = 0; step < 3; step++) {
      const g = Float64Array.from({ length: 5 }, () => scale * (rng.uniform() - 0.5));
      const before = Float64Array.from(theta);
      optimizer.update(theta, g, 0.3, step);
      const delta = theta.map((x, i) => x - before[i]);
      expect(Math.abs(norm(delta) - 0.3)).toBeLessThan(1e-15);
      // The direction is −g/‖g‖.
      const unit = Array.from(g, (gi) => gi / scale);
      expectExact(delta, unit.map((u) => (-0.3 * u) / norm(unit)));
    }
  });

  it('weight decay is inside the normalization: d = g + λθ, the step is still η', () => {
    const theta = Float64Array.of(3, 0);
    new NormalizedGradientDescent(2, 0.5).update(theta, Float64Array.of(0, 2), 0.5, 0);
    // d = (1.5, 2), ‖d‖ = 2.5.
    expectExact(theta, [3 - 0.3, -0.4]);
  });

  it('a zero direction takes no step; a non-finite one throws', () => {
    const theta = theta0();
    new NormalizedGradientDescent(2).update(theta, new Float64Array(2), 0.5, 0);
    expect([...theta]).toEqual([1, -2]);
    expect(() => new NormalizedGradientDescent(2).update(theta, Float64Array.of(Number.NaN, 1), 0.5, 0)).toThrow(/not finite/);
  });
});

describe('minibatches, float32 and errors (all five)', () => {
  const all = [momentum, nesterov, adam, adamw, normalizedGradientDescent];

  it.each(all.map((c) => [c.id, c] as const))('%s with batchSize takes the same rows as sgd', (_, contribution) => {
    const options = parse(contribution, { batchSize: 3 });
    const optimizer = contribution.create(options as never, context(2, 9));
    const sgd = new MinibatchSgd(3, new Rng(9).derive('optimizer'));
    expect(optimizer.batchSize).toBe(3);
    const out = new Int32Array(3);
    const reference = new Int32Array(3);
    for (let step = 0; step < 12; step++) {
      optimizer.selectBatch!(step, 7, out);
      sgd.selectBatch(step, 7, reference);
      expect([...out]).toEqual([...reference]);
    }
  });

  it.each(all.map((c) => [c.id, c] as const))('%s rejects unknown keys and bad values', (_, contribution) => {
    expect(summary(contribution, { lr: 0.1 })).toMatch(/lr must be removed/);
    expect(summary(contribution, { weightDecay: -1 })).toMatch(/weightDecay/);
    expect(summary(contribution, { batchSize: 0 })).toMatch(/batchSize/);
    expect(summary(contribution, { batchSize: 2.5 })).toMatch(/batchSize/);
  });

  it('momentum needs 0 ≤ β < 1, adam 0 ≤ β₁, β₂ < 1 and ε > 0; PyTorch names are not accepted', () => {
    for (const beta of [1, -0.1, '0.9']) expect(summary(momentum, { beta })).toMatch(/beta/);
    expect(summary(nesterov, { momentum: 0.9 })).toMatch(/momentum must be removed/);
    expect(summary(adam, { beta1: 1 })).toMatch(/beta1/);
    expect(summary(adamw, { beta2: -0.5 })).toMatch(/beta2/);
    expect(summary(adam, { epsilon: 0 })).toMatch(/epsilon/);
    expect(summary(adamw, { betas: [0.9, 0.999] })).toMatch(/betas must be removed/);
    expect(summary(adam, { eps: 1e-8 })).toMatch(/eps must be removed/);
  });

  it('the classes check their arguments and the parameter count', () => {
    expect(() => new Momentum(2, 1)).toThrow(/beta must be in \[0, 1\)/);
    expect(() => new Adam(2, 0.9, 1)).toThrow(/beta2/);
    expect(() => new Adam(2, 0.9, 0.999, 0)).toThrow(/epsilon/);
    expect(() => new NormalizedGradientDescent(2, -1)).toThrow(/weightDecay/);
    expect(() => new Momentum(3).update(new Float64Array(2), new Float64Array(2), 0.1, 0)).toThrow(/state for 3 parameters/);
    expect(() => new Adam(2).update(new Float64Array(2), new Float64Array(3), 0.1, 0)).toThrow(/gradient of length 3/);
  });

  it('float32 parameters are updated in float64 and rounded once on store', () => {
    const theta32 = Float32Array.of(0.1, -0.7);
    const theta64 = Float64Array.from(theta32);
    const a = new Adam(2);
    const b = new Adam(2);
    const g = Float64Array.of(0.3, 0.2);
    a.update(theta32, g, 0.01, 0);
    b.update(theta64, g, 0.01, 0);
    expect([...theta32]).toEqual([...Float32Array.from(theta64)]);
  });
});
