import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { MlpModel } from './mlp-model.js';
import { nuWidths } from './mlp-parameterization.js';

/**
 * `model: { use: mlp, depth: 3, width: 512, activation: relu, parameterization: ntk, bias: true }`
 * (or `widths: [512, 256, 128]`; with `parameterization: nu`, `width` is n_1 and the widths grow as
 * n_k = n_1·k^r, r = `widthExponent`, default 2): a multilayer perceptron with a scalar readout,
 * per-layer parameter blocks and a critical (edge-of-chaos) initialization by default
 * (plugins/models/README.md, `mlp`).
 */
export const mlpModel = defineModel({
  id: 'mlp',
  description:
    'MLP f(x) = z^{L+1}, z^l = a_l W^l φ(z^{l−1}) + β_l b^l, in standard, ntk, mup, mean-field or nu (νP) parameterization, critical (σ_w², σ_b²) by default',
  options: type({
    /** Hidden widths n_1 … n_L; or give depth and width for L equal layers (nu: n_k = width·k^widthExponent). */
    'widths?': '(number.integer > 0)[] > 0',
    'depth?': 'number.integer > 0',
    'width?': 'number.integer > 0',
    activation: "'relu' | 'leaky-relu' | 'linear' | 'tanh' = 'relu'",
    /** Only used by leaky-relu: φ(z) = slope·z for z ≤ 0. */
    leakySlope: 'number = 0.01',
    parameterization: "'standard' | 'ntk' | 'mup' | 'mean-field' | 'nu' = 'ntk'",
    /** Only with parameterization nu and depth/width: r in n_k = n_1·k^r (default 2). */
    'widthExponent?': 'number >= 0',
    bias: 'boolean = false',
    /** σ_w²; default: the critical value for the activation and σ_b². */
    'weightVariance?': 'number > 0',
    /** σ_b²; default 0.05 for tanh with biases, else 0. */
    'biasVariance?': 'number >= 0',
  }).narrow((options, ctx) => {
    if (options.biasVariance !== undefined && options.biasVariance > 0 && !options.bias) {
      return ctx.reject({ expected: 'bias: true for a biasVariance above 0', path: ['biasVariance'] });
    }
    if (options.widthExponent !== undefined && (options.parameterization !== 'nu' || options.widths !== undefined)) {
      return ctx.reject({ expected: 'parameterization: nu with depth and width for a widthExponent', path: ['widthExponent'] });
    }
    if (options.widths !== undefined) {
      return options.depth === undefined && options.width === undefined
        ? true
        : ctx.reject({ expected: 'either widths or depth and width, not both', path: ['widths'] });
    }
    if (options.depth === undefined || options.width === undefined) {
      return ctx.reject({ expected: 'widths, or both depth and width', path: [options.depth === undefined ? 'depth' : 'width'] });
    }
    return true;
  }),
  create: (options, context) =>
    new MlpModel({
      inputDim: context.inputDim,
      widths:
        options.widths ??
        (options.parameterization === 'nu'
          ? nuWidths(options.depth!, options.width!, options.widthExponent ?? 2)
          : Array.from({ length: options.depth! }, () => options.width!)),
      activation: options.activation,
      leakySlope: options.leakySlope,
      parameterization: options.parameterization,
      bias: options.bias,
      weightVariance: options.weightVariance,
      biasVariance: options.biasVariance,
      precision: context.precision,
    }),
});
