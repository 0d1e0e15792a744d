import { defineOptimizer, type Optimizer } from '@tdlab/core';
import type { FloatArray, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { checkWeightDecay, descend } from './descend.js';

/** The label of the stream, derived from `rng('optimizer')`, that shuffles the training rows. */
export const BATCH_ORDER_STREAM = 'batch-order';

/**
 * Epoch-wise reshuffled minibatch SGD. The training rows are visited as one endless stream of
 * permutations of 0…n−1: step t takes draws t·B … t·B + B − 1 of that stream (B = batch size).
 * An epoch is n consecutive draws, so every row is used exactly once per epoch; when B does not
 * divide n, one batch straddles two epochs (the end of one permutation and the start of the next),
 * and may then hold the same row twice. Nothing is dropped and batches are never short.
 *
 * One Int32Array permutation is kept and reshuffled in place (Fisher–Yates) at each epoch boundary,
 * so after the first call `selectBatch` allocates nothing. The batch order is a pure function of the
 * seed, n, B and step: calling it out of order (a step other than the one after the last) replays
 * the stream from the start to that step.
 */
export class MinibatchSgd implements Optimizer {
  private permutation: Int32Array | undefined;
  private rng: Rng;
  /** Next unread position in the permutation (n means the epoch is used up). */
  private position = 0;
  private expectedStep = -1;

  /** `base`: the optimizer stream; the batch order is drawn from `base.derive('batch-order')`. */
  constructor(
    readonly batchSize: number,
    private readonly base: Rng,
    readonly weightDecay = 0,
  ) {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`sgd: batchSize must be a positive integer, got ${batchSize}`);
    }
    checkWeightDecay(weightDecay);
    this.rng = base.derive(BATCH_ORDER_STREAM);
  }

  /** Fills `out` (length B; the trainer passes batchSize) with the row indices of step `step`'s minibatch. */
  selectBatch(step: number, n: number, out: Int32Array): void {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`sgd: n must be a positive integer, got ${n}`);
    if (this.permutation?.length !== n || step !== this.expectedStep) this.rewind(step, n, out.length);
    const permutation = this.permutation!;
    for (let b = 0; b < out.length; b++) {
      if (this.position === n) {
        this.rng.shuffle(permutation);
        this.position = 0;
      }
      out[b] = permutation[this.position++];
    }
    this.expectedStep = step + 1;
  }

  update(params: FloatArray, gradient: FloatArray, lr: number): void {
    descend(params, gradient, lr, this.weightDecay);
  }

  /** Restarts the stream and skips the draws of steps 0 … step−1. */
  private rewind(step: number, n: number, batchSize: number): void {
    if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`sgd: step must be a non-negative integer, got ${step}`);
    if (this.permutation?.length !== n) this.permutation = new Int32Array(n);
    const permutation = this.permutation;
    for (let i = 0; i < n; i++) permutation[i] = i;
    this.rng = this.base.derive(BATCH_ORDER_STREAM);
    this.rng.shuffle(permutation);
    const skipped = step * batchSize;
    const epochs = Math.floor(skipped / n);
    for (let epoch = 0; epoch < epochs; epoch++) this.rng.shuffle(permutation);
    this.position = skipped - epochs * n;
  }
}

/**
 * `optimizer: { use: sgd, batchSize: 32, weightDecay: 0 }` — minibatch SGD with epoch-wise
 * reshuffling drawn from the run's `optimizer` stream. The trainer runs full batch when
 * batchSize ≥ n (selectBatch is then never called).
 */
export const minibatchSgd = defineOptimizer({
  id: 'sgd',
  description: 'Minibatch SGD θ ← θ − η(∇L_B + λθ), rows reshuffled every epoch; batchSize ≥ n is full-batch GD',
  options: type({
    /**
     * B: rows per step, drawn without replacement within an epoch (see MinibatchSgd). The loss
     * gradient is taken over the minibatch with the loss's own reduction (sum or mean over B rows).
     * If B ≥ n the trainer treats the run as full batch.
     */
    batchSize: 'number.integer > 0',
    /** λ ≥ 0: weight decay applied in the update, θ ← θ − η(∇L_B + λθ); not part of the loss. Default 0. */
    weightDecay: 'number >= 0 = 0',
  }),
  create: (options, context) => new MinibatchSgd(options.batchSize, context.rng('optimizer'), options.weightDecay),
});
