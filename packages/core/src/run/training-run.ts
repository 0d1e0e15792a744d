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

/** One arm's parts: its own model, parameters, optimizer (state) and kernel (study-spec.ts, `arms:`). */
export interface ArmRun {
  readonly name: string;
  readonly model: DifferentiableModel;
  readonly optimizer: Optimizer;
  readonly params: FloatArray;
  readonly initialParams: FloatArray;
  /** This arm's own λ₀ (the learning rate uses the first arm's). */
  readonly lambda0: number;
  readonly ntk: LossMatchedNtk;
}

/** An arm's buffers and progress within one subscription of `events()`. */
interface ArmLoop {
  readonly arm: ArmRun;
  readonly state: TrainingState;
  readonly outputs: FloatArray;
  readonly gradient: FloatArray;
  readonly dLoss: FloatArray;
  readonly batch: ReturnType<TrainingRun['minibatchBuffers']> | undefined;
  value: number;
  outcome: RunOutcome | undefined;
  /** The natural time reached (TrainingState.time) and the model's time scale c. */
  time: number;
  readonly timeScale: number;
}

/**
 * One run's trainer, resolved from the run's child container. Builds the parts the study names,
 * measures λ₀ and emits one StepEvent per step (per arm, in a study with `arms:`). Its `events()`
 * stream is cold and single-use per container: subscribing starts training, unsubscribing cancels
 * at the next step.
 */
@injectable()
export class TrainingRun {
  readonly data: DataSet;
  /** The study's model: the first arm's parts (`arms` holds every arm's). */
  readonly model: DifferentiableModel;
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly params: FloatArray;
  readonly initialParams: FloatArray;
  /** λ₀ of the first arm (the model): the one `lr: { normalized: r }` divides by. */
  readonly lambda0: number;
  readonly baseLr: number;
  /** Every arm, the model first; one arm when the study declares no `arms:`. */
  readonly arms: readonly ArmRun[];

  constructor(
    @inject(RunContextToken) readonly context: RunContext,
    @inject(ValidatedStudyToken) readonly study: ValidatedStudy,
    @inject(MetricBoardToken) private readonly board: MetricBoard,
  ) {
    const create = <C>(part: ValidatedStudy['data'], extra: object = {}): C => createPart<C>(part, { ...context, ...extra });
    this.data = create<ReturnType<DataSetContribution['create']>>(study.data);
    this.loss = create<ReturnType<LossContribution['create']>>(study.loss);
    const arms: ArmRun[] = [];
    for (const { name, part } of study.arms) {
      const model = create<ReturnType<ModelContribution['create']>>(part, { inputDim: this.data.inputDim });
      // Each arm has its own optimizer instance, so optimizer state (momentum, …) is per arm; each
      // draws from the same rng('optimizer') stream, so minibatches are the same for every arm.
      const optimizer = create<ReturnType<OptimizerContribution['create']>>(study.optimizer, {
        parameterCount: model.parameterCount,
        timeScale: model.timeScale ?? 1,
        gradientAt: this.fullBatchGradient(model),
      });
      const p = model.parameterCount;
      const params = allocate(context.precision, p);
      // Every arm draws from a fresh rng('model') stream: wrappers of one base start at the same θ₀.
      model.initialize(context.rng('model'), params);
      const initialParameters = study.spec.model.initialParameters;
      // Loaded initial parameters apply to every arm laid out like the model (same parameter count).
      if (initialParameters && (arms.length === 0 || p === arms[0].model.parameterCount)) {
        readInitialParameters(resolve(context.baseDir, initialParameters), model, params);
      }
      const initialParams = allocate(context.precision, p);
      copy(params, initialParams);
      const ntk = new LossMatchedNtk(model, this.loss, this.data.train, context.rng('ntk'));
      const outputs = allocate(context.precision, this.data.train.n);
      model.forward(params, this.data.train, outputs);
      const lambda0 = ntk.topEigenvalues(params, outputs, 1)[0];
      arms.push({ name, model, optimizer, params, initialParams, lambda0, ntk });
    }
    this.arms = arms;
    const first = arms[0];
    this.model = first.model;
    this.optimizer = first.optimizer;
    this.params = first.params;
    this.initialParams = first.initialParams;
    this.lambda0 = first.lambda0;

    const fixed = this.optimizer.fixedLearningRate;
    const scheduleSpec = study.spec.schedule;
    if (scheduleSpec && fixed !== undefined) {
      throw new StudySpecError([
        { path: 'schedule', message: `must be left out: optimizer "${study.optimizer.section.use}" sets its own step (learning rate ${fixed}); there is no learning rate to schedule` },
      ]);
    }
    if (!scheduleSpec && fixed === undefined) {
      throw new StudySpecError([
        { path: 'schedule', message: `is required: optimizer "${study.optimizer.section.use}" takes its learning rate from the schedule (schedule: { use: constant, lr: … })` },
      ]);
    }
    const lr = scheduleSpec?.lr ?? fixed!;
    this.baseLr = typeof lr === 'number' ? lr : 'absolute' in lr ? lr.absolute : lr.normalized / this.lambda0;
    if (!(Number.isFinite(this.baseLr) && this.baseLr > 0)) {
      // λ₀ = 0 (all inputs zero, say) or non-finite leaves no learning rate r/λ₀ to train with.
      throw new StudySpecError([
        { path: 'schedule.lr', message: `gives no finite positive learning rate: λ₀ measured at initialization is ${this.lambda0}` },
      ]);
    }
    const baseLr = this.baseLr;
    this.schedule = study.schedule
      ? create<ReturnType<ScheduleContribution['create']>>(study.schedule, { baseLr, lambda0: this.lambda0 })
      : { requires: [], learningRate: () => baseLr };
  }

  /** ∇L(θ) on the full training set at any θ, with the model's own scratch (for `gradientAt`). */
  private fullBatchGradient(model: DifferentiableModel): (params: FloatArray, out: FloatArray) => void {
    const train = this.data.train;
    const precision = this.context.precision;
    const outputs = allocate(precision, train.n);
    const dLoss = allocate(precision, train.n);
    return (params, out) => {
      model.forward(params, train, outputs);
      this.loss.gradient(outputs, train.y, train.n, dLoss);
      model.vjp(params, train, dLoss, out);
    };
  }

  /**
   * The training stream. Step 0 is the initialization; an arm's last event carries its outcome.
   *
   * With several arms the step is in lockstep: (1) every live arm computes its outputs, loss and
   * gradient, (2) the events of the step are emitted for every live arm (the model's first), (3)
   * every live arm updates. So at any event of step t every live arm's state is at step t. An arm
   * that stops (diverges, converges) takes no further steps; the stream completes when all have.
   * The learning rate is computed once per step, shared by all arms.
   */
  events(): Observable<StepEvent> {
    return new Observable<StepEvent>((subscriber) => {
      const { schedule, data, board } = this;
      const train = data.train;
      const totalSteps = this.study.spec.steps;
      const stop = this.study.spec.stop ?? {};
      const tagged = this.study.hasArms;
      // The states of the arms live at the current step, for cross-arm probes (with `arms:` only).
      const liveStates = tagged ? new Map<string, TrainingState>() : undefined;

      let step = 0;
      let loops: ArmLoop[] = this.arms.map((arm) => this.armLoop(arm, () => step, liveStates));
      for (const loop of loops) liveStates?.set(loop.arm.name, loop.state);

      let handle: ReturnType<typeof setImmediate> | undefined;
      const runSlice = (): void => {
        const deadline = performance.now() + SLICE_MILLISECONDS;
        while (!subscriber.closed) {
          // (1) Every live arm: outputs, loss, outcome and the gradient of this step.
          for (const loop of loops) {
            const { model, params } = loop.arm;
            model.forward(params, train, loop.outputs);
            const value = this.loss.value(loop.outputs, train.y, train.n);
            let outcome: RunOutcome | undefined;
            if (!Number.isFinite(value) || (stop.lossAbove !== undefined && value > stop.lossAbove) || !allFinite(params)) {
              outcome = 'diverged';
            } else if (stop.lossBelow !== undefined && value < stop.lossBelow) {
              outcome = 'converged';
            } else if (step >= totalSteps) {
              outcome = 'max-steps';
            }
            loop.value = value;
            loop.outcome = outcome;
            (loop.state as { gradient: FloatArray | undefined }).gradient = outcome === undefined ? this.gradient(loop, step) : undefined;
          }
          // A schedule that reads metrics (`requires`) gets this step's: its rate is computed on the
          // first read of `lr`, after the probes that Tdlab subscribes ahead of everything else have
          // seen the event and put their records on the board. Any other schedule is asked now.
          const at = step;
          let rate: number | undefined = schedule.requires.length === 0 ? schedule.learningRate(at, board) : undefined;
          const lr = (): number => (rate ??= schedule.learningRate(at, board));
          // (2) The events of this step, every live arm's.
          for (const loop of loops) {
            const base = { run: this.context.runId, ...(tagged ? { arm: loop.arm.name } : {}), step, totalSteps, loss: loop.value, outcome: loop.outcome, state: loop.state };
            const armRate = loop.arm.optimizer.fixedLearningRate ?? rate;
            subscriber.next(armRate === undefined ? Object.defineProperty(base, 'lr', { get: lr, enumerable: true }) as StepEvent : { ...base, lr: armRate });
            if (subscriber.closed) return;
          }
          // Arms that stopped leave the loop (and the live states) after their last event.
          if (loops.some((loop) => loop.outcome !== undefined)) {
            for (const loop of loops) if (loop.outcome !== undefined) liveStates?.delete(loop.arm.name);
            loops = loops.filter((loop) => loop.outcome === undefined);
            if (loops.length === 0) {
              subscriber.complete();
              return;
            }
          }
          // (3) Every live arm updates.
          const stepLr = lr();
          for (const loop of loops) {
            loop.arm.optimizer.update(loop.arm.params, loop.gradient, stepLr, step);
            // An optimizer with its own step (gradient-flow) moves its arm by that step, whatever the first arm's is.
            loop.time += (loop.arm.optimizer.fixedLearningRate ?? stepLr) / loop.timeScale;
          }
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
        // A trainer runs once (Tdlab builds one per subscription), so the models can be freed here.
        for (const arm of this.arms) arm.model.dispose?.();
      };
    });
  }

  /** An arm's buffers and its read-only state view; `currentStep` reads the loop's step counter. */
  private armLoop(arm: ArmRun, currentStep: () => number, liveStates: ReadonlyMap<string, TrainingState> | undefined): ArmLoop {
    const precision = this.context.precision;
    const train = this.data.train;
    const { model, params, ntk } = arm;
    const outputs = allocate(precision, train.n);
    const batchSize = arm.optimizer.batchSize && arm.optimizer.batchSize < train.n ? arm.optimizer.batchSize : undefined;
    let cachedStep = -1;
    // The spectrum for the largest k asked this step; smaller k are slices of it (one Lanczos per step).
    let cachedEigen: Float64Array = new Float64Array(0);
    let cachedK = 0;
    const loop = { time: 0 };
    const state: TrainingState = {
      get time(): number {
        return loop.time;
      },
      model,
      loss: this.loss,
      data: this.data,
      params,
      initialParams: arm.initialParams,
      outputs,
      gradient: undefined,
      lambda0: arm.lambda0,
      ntkTopEigenvalues(k: number): Float64Array {
        const step = currentStep();
        if (cachedStep !== step || k > cachedK) {
          cachedEigen = ntk.topEigenvalues(params, outputs, k);
          cachedK = k;
          cachedStep = step;
        }
        return cachedEigen.subarray(0, Math.min(k, cachedEigen.length));
      },
      ...(liveStates ? { arms: liveStates } : {}),
    };
    return Object.assign(loop, {
      arm,
      state,
      outputs,
      gradient: allocate(precision, model.parameterCount),
      dLoss: allocate(precision, train.n),
      batch: batchSize ? this.minibatchBuffers(batchSize, train) : undefined,
      value: Number.NaN,
      outcome: undefined,
      timeScale: model.timeScale ?? 1,
    });
  }

  /** The gradient of the arm's update at `step` (full batch, or the optimizer's minibatch). */
  private gradient(loop: ArmLoop, step: number): FloatArray {
    const { model, optimizer, params } = loop.arm;
    const { batch, gradient } = loop;
    const train = this.data.train;
    if (batch) {
      optimizer.selectBatch!(step, train.n, batch.indices);
      batch.gather();
      model.forward(params, batch.inputs, batch.outputs);
      this.loss.gradient(batch.outputs, batch.inputs.y, batch.indices.length, batch.dLoss);
      model.vjp(params, batch.inputs, batch.dLoss, gradient);
    } else {
      this.loss.gradient(loop.outputs, train.y, train.n, loop.dLoss);
      model.vjp(params, train, loop.dLoss, gradient);
    }
    return gradient;
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
