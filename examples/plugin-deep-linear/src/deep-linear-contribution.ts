import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { DeepLinearModel } from './deep-linear-model.js';

/** `model: { use: deep-linear, depth: L, width: h }` — see DeepLinearModel. */
export const deepLinearModel = defineModel({
  id: 'deep-linear',
  description: 'Deep linear network f(x) = v·W_L⋯W_1·x/√(d·h^L), every entry N(0, 1) (NTK scaling)',
  options: type({
    /** L, the number of hidden weight matrices. */
    depth: 'number.integer >= 1 = 2',
    /** h, the hidden width. */
    width: 'number.integer >= 1',
  }),
  create: (options, context) => new DeepLinearModel({ depth: options.depth, width: options.width, inputDim: context.inputDim }),
});
