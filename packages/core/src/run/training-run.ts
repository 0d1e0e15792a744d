import { resolve } from 'node:path';
import { allFinite, allocate, copy, type FloatArray } from '@tdlab/tensor';
import { inject, injectable } from 'inversify';
import { Observable } from 'rxjs';
import type { LabeledInputs } from '../data/data-set.js';
import type { DataSetContribution } from '../contributions/data-set-contribution.js';
import type { LossContribution } from '../contributions/loss-contribution.js';
import type { ModelContribution } from '../contributions/model-contribution.js';
import type { OptimizerContribution } from '../contributions/optimizer-contribution.js';
import type { RunContext } from '../contributions/run-context.js';
import type { ScheduleContribution } from '../contributions/schedule-contribution.js';
import type { DataSet } from '../data/data-set.js';
import type { Loss } from '../loss/loss.js';
import type { DifferentiableModel } from '../model/differentiable-model.js';
import { readInitialParameters } from '../model/read-initial-parameters.js';
import { createPart } from '../spec/create-part.js';
import { StudySpecError } from '../spec/study-spec-error.js';
import { LossMatchedNtk } from '../ntk/loss-matched-ntk.js';
import type { Optimizer } from '../optimizer/optimizer.js';
import type { MetricBoard, Schedule } from '../schedule/schedule.js';
import type { ValidatedStudy } from '../spec/validate-study.js';
import type { RunOutcome } from '../stream/run-outcome.js';
import type { StepEvent } from '../stream/step-event.js';
import type { TrainingState } from '../stream/training-state.js';
import { MetricBoardToken, RunContextToken, ValidatedStudyToken } from './tokens.js';

/** How long the synchronous training loop runs before it yields to the event loop. */
const SLICE_MILLISECONDS = 10;

/**
 * One run's trainer, resolved from the run's child container. Builds the parts the study names,
 * measures λ₀ and emits one StepEvent per step. Its `events()` stream is cold and single-use per
 * container: subscribing starts training, unsubscribing cancels at the next step.
 */
@injectable()
export class TrainingRun {
  readonly data: DataSet;
  readonly model: DifferentiableModel;
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly params: FloatArray;
  readonly initialParams: FloatArray;
  readonly lambda0: number;
  readonly baseLr: number;
  private readonly ntk: LossMatchedNtk;

  constructor(
    @inject(RunContextToken) readonly context: RunContext,
    @inject(ValidatedStudyToken) readonly study: ValidatedStudy,
    @inject(MetricBoardToken) private readonly board: MetricBoard,
  ) {
    const create = <C>(part: ValidatedStudy['data'], extra: object = {}): C => createPart<C>(part, { ...context, ...extra });
    this.data = create<ReturnType<DataSetContribution['create']>>(study.data);
    this.model = create<ReturnType<ModelContribution['create']>>(study.model, { inputDim: this.data.inputDim });
    this.loss = create<ReturnType<LossContribution['create']>>(study.loss);
    this.optimizer = create<ReturnType<OptimizerContribution['create']>>(study.optimizer, {
      parameterCount: this.model.parameterCount,
    });

    const p = this.model.parameterCount;
    this.params = allocate(context.precision, p);
    this.model.initialize(context.rng('model'), this.params);
    if (study.spec.model.initialParameters) {
      readInitialParameters(resolve(context.baseDir, study.spec.model.initialParameters), this.model, this.params);
    }
    this.initialParams = allocate(context.precision, p);
    copy(this.params, this.initialParams);

    this.ntk = new LossMatchedNtk(this.model, this.loss, this.data.train, context.rng('ntk'));
    const outputs = allocate(context.precision, this.data.train.n);
    this.model.forward(this.params, this.data.train, outputs);
    this.lambda0 = this.ntk.topEigenvalues(this.params, outputs, 1)[0];
    const lr = study.spec.schedule.lr;
    this.baseLr = typeof lr === 'number' ? lr : 'absolute' in lr ? lr.absolute : lr.normalized / this.lambda0;
    if (!(Number.isFinite(this.baseLr) && this.baseLr > 0)) {
      // λ₀ = 0 (all inputs zero, say) or non-finite leaves no learning rate r/λ₀ to train with.
      throw new StudySpecError([
        { path: 'schedule.lr', message: `gives no finite positive learning rate: λ₀ measured at initialization is ${this.lambda0}` },
      ]);
    }
    this.schedule = create<ReturnType<ScheduleContribution['create']>>(study.schedule, {
      baseLr: this.baseLr,
      lambda0: this.lambda0,
    });
  }

  /** The training stream. Step 0 is the initialization; the last event carries the outcome. */
  events(): Observable<StepEvent> {
    return new Observable<StepEvent>((subscriber) => {
      const { model, loss, optimizer, schedule, params, data, board } = this;
      const train = data.train;
      const precision = this.context.precision;
      const totalSteps = this.study.spec.steps;
      const stop = this.study.spec.stop ?? {};
      const outputs = allocate(precision, train.n);
      const gradient = allocate(precision, model.parameterCount);
      const dLoss = allocate(precision, train.n);
      const batchSize = optimizer.batchSize && optimizer.batchSize < train.n ? optimizer.batchSize : undefined;
      const batch = batchSize ? this.minibatchBuffers(batchSize, train) : undefined;

      let step = 0;
      let cachedStep = -1;
      // The spectrum for the largest k asked this step; smaller k are slices of it (one Lanczos per step).
      let cachedEigen: Float64Array = new Float64Array(0);
      let cachedK = 0;
      const ntk = this.ntk;
      const state: TrainingState = {
        model,
        loss,
        data,
        params,
        initialParams: this.initialParams,
        outputs,
        gradient: undefined,
        lambda0: this.lambda0,
        ntkTopEigenvalues(k: number): Float64Array {
          if (cachedStep !== step || k > cachedK) {
            cachedEigen = ntk.topEigenvalues(params, outputs, k);
            cachedK = k;
            cachedStep = step;
          }
          return cachedEigen.subarray(0, Math.min(k, cachedEigen.length));
        },
      };
      const mutableState = state as { gradient: FloatArray | undefined };

      let handle: ReturnType<typeof setImmediate> | undefined;
      const runSlice = (): void => {
        const deadline = performance.now() + SLICE_MILLISECONDS;
        while (!subscriber.closed) {
          model.forward(params, train, outputs);
          const value = loss.value(outputs, train.y, train.n);
          let outcome: RunOutcome | undefined;
          if (!Number.isFinite(value) || (stop.lossAbove !== undefined && value > stop.lossAbove) || !allFinite(params)) {
            outcome = 'diverged';
          } else if (stop.lossBelow !== undefined && value < stop.lossBelow) {
            outcome = 'converged';
          } else if (step >= totalSteps) {
            outcome = 'max-steps';
          }
          const lr = schedule.learningRate(step, board);
          if (outcome === undefined) {
            if (batch) {
              optimizer.selectBatch!(step, train.n, batch.indices);
              batch.gather();
              model.forward(params, batch.inputs, batch.outputs);
              loss.gradient(batch.outputs, batch.inputs.y, batchSize!, batch.dLoss);
              model.vjp(params, batch.inputs, batch.dLoss, gradient);
            } else {
              loss.gradient(outputs, train.y, train.n, dLoss);
              model.vjp(params, train, dLoss, gradient);
            }
            mutableState.gradient = gradient;
          } else {
            mutableState.gradient = undefined;
          }
          subscriber.next({ run: this.context.runId, step, totalSteps, lr, loss: value, outcome, state });
          if (outcome !== undefined) {
            subscriber.complete();
            return;
          }
          optimizer.update(params, gradient, lr, step);
          step++;
          if (performance.now() > deadline) {
            handle = setImmediate(tick);
            return;
          }
        }
      };
      const tick = (): void => {
        try {
          runSlice();
        } catch (error) {
          subscriber.error(error);
        }
      };
      // Start asynchronously, so every subscriber of a shared stream is attached before step 0.
      handle = setImmediate(tick);
      return () => {
        if (handle) clearImmediate(handle);
        // A trainer runs once (Tdlab builds one per subscription), so the model can be freed here.
        model.dispose?.();
      };
    });
  }

  private minibatchBuffers(size: number, train: LabeledInputs) {
    const precision = this.context.precision;
    const d = this.data.inputDim;
    const x = allocate(precision, size * d);
    const y = allocate(precision, size);
    const indices = new Int32Array(size);
    return {
      indices,
      inputs: { x, y, n: size } as LabeledInputs,
      outputs: allocate(precision, size),
      dLoss: allocate(precision, size),
      gather(): void {
        for (let b = 0; b < size; b++) {
          const row = indices[b];
          y[b] = train.y[row];
          for (let j = 0; j < d; j++) x[b * d + j] = train.x[row * d + j];
        }
      },
    };
  }
}
