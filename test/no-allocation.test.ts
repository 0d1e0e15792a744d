import type { DifferentiableModel } from '@tdlab/core';
import { MlpModel, TwoLayerModel, UvModel } from '@tdlab/plugin-models';
import { allocate, axpy, type Precision, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';

/*
 * Issue 3: "the models' hot paths … preallocate their buffers once per run, and allocate nothing per
 * step". After a warm-up (which sizes the scratch buffers and caches views of the kernels' memory),
 * a few hundred GD steps — forward, residual, VJP, update, plus a JVP and an HVP — must create no
 * typed array: no `new Float64Array/Float32Array`, no `subarray` view. Those are what a per-step
 * buffer would cost (their memory is outside the JS heap, so a heap profiler does not see it);
 * counting them is exact. Boxed numbers at function boundaries are V8's business and not counted.
 */

type TypedArrayClass = typeof Float64Array | typeof Float32Array;

/** Runs `work` with every typed-array construction and `subarray` view counted. */
function typedArraysCreatedDuring(work: () => void): number {
  let count = 0;
  const classes: [string, TypedArrayClass][] = [
    ['Float64Array', Float64Array],
    ['Float32Array', Float32Array],
  ];
  const restore: (() => void)[] = [];
  const globals = globalThis as unknown as Record<string, unknown>;
  for (const [name, original] of classes) {
    const prototype = original.prototype as { subarray: (begin?: number, end?: number) => unknown };
    const subarray = prototype.subarray;
    prototype.subarray = function (this: unknown, begin?: number, end?: number) {
      count++;
      return subarray.call(this, begin, end);
    };
    globals[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        count++;
        return Reflect.construct(target, args, newTarget === globals[name] ? target : newTarget);
      },
    });
    restore.push(() => {
      prototype.subarray = subarray;
      globals[name] = original;
    });
  }
  try {
    work();
  } finally {
    for (const undo of restore) undo();
  }
  return count;
}

function gdSteps(model: DifferentiableModel, precision: Precision, n: number, steps: number): () => void {
  const rng = new Rng(1);
  const x = allocate(precision, n * model.inputDim);
  const y = allocate(precision, n);
  rng.fillNormal(x);
  rng.fillNormal(y);
  const inputs = { x, n };
  const theta = allocate(precision, model.parameterCount);
  model.initialize(rng.derive('init'), theta);
  const f = allocate(precision, n);
  const r = allocate(precision, n);
  const g = allocate(precision, model.parameterCount);
  const direction = allocate(precision, model.parameterCount);
  rng.fillNormal(direction);
  return () => {
    for (let step = 0; step < steps; step++) {
      model.forward(theta, inputs, f);
      for (let k = 0; k < n; k++) r[k] = f[k] - y[k];
      model.vjp(theta, inputs, r, g);
      model.jvp(theta, inputs, direction, f);
      model.hvp(theta, inputs, r, direction, g);
      axpy(-1e-4, g, theta);
    }
  };
}

describe('models allocate nothing per step (typed arrays created)', () => {
  const cases: [string, () => DifferentiableModel, number, number?][] = [
    // Large enough that gemm runs on the WASM kernels (threaded for the biggest).
    ['two-layer relu f64', () => new TwoLayerModel({ width: 256, inputDim: 32, activation: 'relu', precision: 'float64' }), 64],
    ['two-layer relu f32', () => new TwoLayerModel({ width: 256, inputDim: 32, activation: 'relu', precision: 'float32' }), 64],
    ['two-layer tanh f64', () => new TwoLayerModel({ width: 256, inputDim: 32, activation: 'tanh', precision: 'float64' }), 64],
    ['two-layer relu f64, threaded gemm', () => new TwoLayerModel({ width: 2048, inputDim: 64, activation: 'relu', precision: 'float64' }), 256, 30],
    ['uv f64', () => new UvModel({ width: 512, inputDim: 8 }), 64],
    ['mlp relu f64, 3 hidden layers', () => new MlpModel({ widths: [128, 128, 128], inputDim: 32, activation: 'relu' }), 64, 50],
    ['mlp tanh f32, 2 hidden layers with biases', () => new MlpModel({ widths: [96, 64], inputDim: 16, activation: 'tanh', bias: true, precision: 'float32' }), 32, 50],
  ];
  for (const [name, make, n, stepCount = 200] of cases) {
    it(name, () => {
      const model = make();
      const precision: Precision = name.includes('f32') ? 'float32' : 'float64';
      const steps = gdSteps(model, precision, n, stepCount);
      // Warm-up on the same arrays: scratch buffers grow to this batch, caches key on these inputs,
      // views of the kernels' memory are made. Then the same steps again must create nothing.
      steps();
      expect(typedArraysCreatedDuring(steps)).toBe(0);
      model.dispose?.();
    });
  }

  it('the count sees arrays made by the library (the check can fail)', () => {
    const x = new Float64Array(8);
    expect(typedArraysCreatedDuring(() => allocate('float32', 4))).toBe(1);
    expect(typedArraysCreatedDuring(() => x.subarray(2))).toBe(1);
  });
});
