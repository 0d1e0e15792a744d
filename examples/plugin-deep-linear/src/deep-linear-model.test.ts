import { checkModelDerivatives, derivativeCheckNames, maxRelativeError, modelProducts, randomNormalVector, testModelContext } from '@tdlab/core/testing';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { DeepLinearModel, deepLinearModel } from './index.js';

/** f(θ; x) = v·W_L⋯W_1·x/√(d·h^L) as a plain per-sample loop, independent of the model's code. */
function naive(params: ArrayLike<number>, x: ArrayLike<number>, depth: number, width: number, dim: number): number {
  let z = Array.from(x);
  let offset = 0;
  for (let l = 1; l <= depth; l++) {
    const fanIn = l === 1 ? dim : width;
    const next = new Array<number>(width).fill(0);
    for (let a = 0; a < width; a++) for (let b = 0; b < fanIn; b++) next[a] += params[offset + a * fanIn + b] * z[b];
    offset += width * fanIn;
    z = next;
  }
  let f = 0;
  for (let a = 0; a < width; a++) f += params[offset + a] * z[a];
  return f / Math.sqrt(dim * width ** depth);
}

const n = 4;
const d = 3;
const h = 5;

function setup(depth: number, seed = 7) {
  const rng = new Rng(seed);
  const model = new DeepLinearModel({ depth, width: h, inputDim: d });
  const params = new Float64Array(model.parameterCount);
  model.initialize(rng, params);
  return { model, params, inputs: { x: randomNormalVector(rng, n * d), n } };
}

describe('deep-linear: layout and forward', () => {
  it('has blocks W1 [h, d], W2 … WL [h, h], v [h]', () => {
    const { model } = setup(3);
    expect(model.blocks.map((block) => [block.name, block.offset, block.shape])).toEqual([
      ['W1', 0, [h, d]],
      ['W2', h * d, [h, h]],
      ['W3', h * d + h * h, [h, h]],
      ['v', h * d + 2 * h * h, [h]],
    ]);
    expect(model.parameterCount).toBe(h * d + 2 * h * h + h);
    expect(model.scale).toBeCloseTo(1 / Math.sqrt(d * h ** 3), 15);
  });

  it.each([1, 2, 4])('depth %i: forward matches the naive product', (depth) => {
    const { model, params, inputs } = setup(depth);
    const want = Array.from({ length: n }, (_, i) => naive(params, inputs.x.subarray(i * d, (i + 1) * d), depth, h, d));
    expect(maxRelativeError(modelProducts(model, inputs).forward(params), want)).toBeLessThan(1e-13);
  });

  it('the contribution builds the model from its options, depth 2 by default', () => {
    const model = deepLinearModel.create(deepLinearModel.options.assert({ width: 6 }), testModelContext(4)) as DeepLinearModel;
    expect([model.depth, model.width, model.inputDim]).toEqual([2, 6, 4]);
  });

  it('products are pure: a larger batch in between does not change a result', () => {
    const { model, params, inputs } = setup(3);
    const rng = new Rng(99);
    const big = { x: randomNormalVector(rng, 10 * d), n: 10 };
    const first = modelProducts(model, inputs).forward(params);
    modelProducts(model, big).forward(params);
    expect(modelProducts(model, inputs).forward(params)).toEqual(first);
  });
});

describe.each([1, 2, 3])('deep-linear depth %i: checkModelDerivatives', (depth) => {
  // f is a polynomial of degree L + 1 in θ: central differences with a moderate step are exact up to
  // O(h²) terms of the higher derivatives and rounding.
  it.each(derivativeCheckNames)('%s', (check) => {
    const { model, params, inputs } = setup(depth);
    checkModelDerivatives(model, params, inputs, {
      checks: [check],
      step: 1e-5,
      secondStep: 1e-3,
      tolerance: 1e-6,
      absoluteTolerance: depth === 1 ? 1e-9 : 0,
      identityTolerance: 1e-11,
      forwardReference: (theta) => Array.from({ length: n }, (_, i) => naive(theta, inputs.x.subarray(i * d, (i + 1) * d), depth, h, d)),
    });
  });
});
