import type { Optimizer, OptimizerContext } from '@tdlab/core';
import type { FloatArray, Rng } from '@tdlab/tensor';
import { checkWeightDecay } from './descend.js';
import { MinibatchSgd } from './minibatch-sgd.js';

/** Where a stateful optimizer takes its minibatches from: B rows per step, drawn from the run's optimizer stream. */
export interface MinibatchOrder {
  readonly batchSize: number;
  /** The run's `optimizer` stream (`context.rng('optimizer')`), as for `sgd`. */
  readonly rng: Rng;
}

/**
 * The shared shell of `momentum`, `nesterov`, `adam`, `adamw` and `normalized-gd`: the state is
 * float64 typed arrays of length `parameterCount`, allocated once in the constructor (one optimizer
 * per run and arm), so `update` allocates nothing. With a `MinibatchOrder` the rows of each step are
 * chosen exactly as `sgd` chooses them (same stream, same epoch-wise reshuffling); without one the
 * optimizer is full batch (no `batchSize`, no `selectBatch`).
 */
export abstract class StatefulOptimizer implements Optimizer {
  readonly batchSize?: number;
  readonly selectBatch?: (step: number, n: number, out: Int32Array) => void;

  constructor(
    readonly parameterCount: number,
    readonly weightDecay: number,
    minibatch?: MinibatchOrder,
  ) {
    if (!Number.isSafeInteger(parameterCount) || parameterCount < 0) {
      throw new RangeError(`optimizer: parameterCount must be a non-negative integer, got ${parameterCount}`);
    }
    checkWeightDecay(weightDecay);
    if (minibatch !== undefined) {
      // The sampler's own update is never used; only its batch order.
      const sampler = new MinibatchSgd(minibatch.batchSize, minibatch.rng);
      this.batchSize = minibatch.batchSize;
      this.selectBatch = (step, n, out) => sampler.selectBatch(step, n, out);
    }
  }

  update(params: FloatArray, gradient: FloatArray, lr: number, step: number): void {
    if (params.length !== this.parameterCount || gradient.length !== this.parameterCount) {
      throw new RangeError(
        `optimizer: state for ${this.parameterCount} parameters, got ${params.length} parameters and a gradient of length ${gradient.length}`,
      );
    }
    this.apply(params, gradient, lr, step);
  }

  /** The update itself; `params` and `gradient` have length `parameterCount`. */
  protected abstract apply(params: FloatArray, gradient: FloatArray, lr: number, step: number): void;
}

/** Checks a hyper-parameter in [0, 1) (the option schemas check this; the classes check again). */
export function checkUnitInterval(name: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new RangeError(`optimizer: ${name} must be in [0, 1), got ${value}`);
}

/** The minibatch order for an optional `batchSize` option (undefined: full batch). */
export function minibatchOrder(batchSize: number | undefined, context: OptimizerContext): MinibatchOrder | undefined {
  return batchSize === undefined ? undefined : { batchSize, rng: context.rng('optimizer') };
}
