/**
 * The public API of @tdlab/core: study spec, plugin contracts, DI registry, trainer and metric
 * streams. Types are exported apart from values.
 *
 * @module @tdlab/core
 */
export { CORE_API_VERSION } from './plugin/core-api-version.js';
export { corePlugin } from './plugin/core-plugin.js';
export { ContributionRegistry } from './plugin/contribution-registry.js';
export { definePlugin } from './plugin/tdlab-plugin.js';
export { PluginError } from './plugin/plugin-error.js';
export { contributionKinds, contributionTokens } from './contributions/contribution-kind.js';
export { DataSetContribution, defineDataSet } from './contributions/data-set-contribution.js';
export { ModelContribution, defineModel } from './contributions/model-contribution.js';
export { LossContribution, defineLoss } from './contributions/loss-contribution.js';
export { OptimizerContribution, defineOptimizer } from './contributions/optimizer-contribution.js';
export { ScheduleContribution, defineSchedule } from './contributions/schedule-contribution.js';
export { ProbeContribution, defineProbe } from './contributions/probe-contribution.js';
export { SinkContribution, defineSink } from './contributions/sink-contribution.js';
export { MeanSquaredError } from './loss/mean-squared-error.js';
export { LinearHinge } from './loss/linear-hinge.js';
export { linearHingeContribution } from './loss/linear-hinge-contribution.js';
export { Hinge } from './loss/hinge.js';
export { hingeContribution } from './loss/hinge-contribution.js';
export { Logistic } from './loss/logistic.js';
export { logisticContribution } from './loss/logistic-contribution.js';
export { CrossEntropy } from './loss/cross-entropy.js';
export { crossEntropyContribution } from './loss/cross-entropy-contribution.js';
export { LossMatchedNtk } from './ntk/loss-matched-ntk.js';
export { sampledProbe } from './probe/sampled-probe.js';
export { learningRateSchema, nestedSectionSchema, probeTriggerSchema, studySpecSchema } from './spec/study-spec.js';
export { validateStudy } from './spec/validate-study.js';
export { defineStudy, use } from './spec/define-study.js';
export { loadStudyFile } from './spec/load-study-file.js';
export { StudySpecError } from './spec/study-spec-error.js';
export { runOutcomes } from './stream/run-outcome.js';
export { Tdlab, jsonNumbers } from './run/tdlab.js';
export { runId } from './run/run-id.js';
export { MetricBoardToken, RunContextToken, ValidatedStudyToken } from './run/tokens.js';

export type { AnyContribution, Contribution } from './contributions/contribution.js';
export type { ContributionKind } from './contributions/contribution-kind.js';
export type { RunContext } from './contributions/run-context.js';
export type { ModelContext } from './contributions/model-contribution.js';
export type { OptimizerContext } from './contributions/optimizer-contribution.js';
export type { ScheduleContext } from './contributions/schedule-contribution.js';
export type { ProbeContext } from './contributions/probe-contribution.js';
export type { DataSet, LabeledInputs } from './data/data-set.js';
export type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from './model/differentiable-model.js';
export type { Loss } from './loss/loss.js';
export type { Reduction } from './loss/mean-squared-error.js';
export type { Optimizer } from './optimizer/optimizer.js';
export type { MetricBoard, Schedule } from './schedule/schedule.js';
export type { Probe } from './probe/probe.js';
export type { EmitMetric } from './probe/sampled-probe.js';
export type { RunInfo, Sink } from './sink/sink.js';
export type { MetricRecord } from './stream/metric-record.js';
export type { RunOutcome } from './stream/run-outcome.js';
export type { StepEvent } from './stream/step-event.js';
export type { TrainingState } from './stream/training-state.js';
export type { LearningRateSpec, ProbeTrigger, SectionSpec, StudySpec } from './spec/study-spec.js';
export type { SpecIssue } from './spec/spec-issue.js';
export type { StudyInput } from './spec/define-study.js';
export type { ResolvedArm, ResolvedPart, ValidatedStudy } from './spec/validate-study.js';
export { MODEL_ARM } from './spec/validate-study.js';
export type { RegisteredContribution } from './plugin/registered-contribution.js';
export type { TdlabPlugin } from './plugin/tdlab-plugin.js';
export type { RunOptions } from './run/run-options.js';
export type { ArmSummary, RunSummary } from './run/run-summary.js';
