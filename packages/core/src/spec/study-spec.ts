import { type } from 'arktype';

/**
 * The learning rate: absolute (`0.5` or `{ absolute: 0.5 }`) or normalized, r = η·λ₀
 * (`{ normalized: 3 }`), with λ₀ the top eigenvalue of the NTK matched to the loss's
 * normalization (papers.md §0), measured by the trainer at initialization.
 */
export const learningRateSchema = type('number > 0').or({ absolute: 'number > 0' }).or({ normalized: 'number > 0' });
export type LearningRateSpec = typeof learningRateSchema.infer;

/**
 * `when:` of a probe: it measures only on steps where the metric (`loss`, or the newest value of any
 * metric another probe emits) is above and/or below a threshold — a number, or `initial`, the
 * metric's first value in the run. Step 0 and the last step are always measured.
 */
export const probeTriggerSchema = type({
  metric: 'string > 0',
  'above?': "number | 'initial'",
  'below?': "number | 'initial'",
}).onUndeclaredKey('reject');
export type ProbeTrigger = typeof probeTriggerSchema.infer;

/** A section selecting a contribution: `use:` plus the contribution's own options. */
const sectionSchema = type({ use: 'string > 0' });

/**
 * A section nested in another one's options (`model: { use: quadratic, base: { use: two-layer, … } }`):
 * `use:` and any options, which the nested section's own contribution validates. A contribution
 * declares such a key in its schema with this type and in its `nested` map (contribution.ts).
 */
export const nestedSectionSchema = type({ use: 'string > 0', '[string]': 'unknown' });

/** The core's part of a study; each section's remaining keys are validated by its contribution. */
export const studySpecSchema = type({
  name: 'string > 0',
  seed: 'number.integer >= 0',
  'precision?': "'float64' | 'float32'",
  /** Extra plugins to load, by package name or path (first-party plugins are always available to the CLI). */
  'plugins?': 'string[]',
  data: sectionSchema,
  model: sectionSchema.and({
    /** A JSON file with the initial parameters (a flat array, or an object of arrays by block name). */
    'initialParameters?': 'string > 0',
  }),
  /**
   * Further models trained side by side with `model` (which is the first arm, named `model`): a
   * map from arm name (an identifier other than `model`) to a model section. The arms share the
   * data, the initial weights (each draws from the same `rng('model')` stream), the loss, the
   * schedule and the learning rate (η = r/λ₀ of `model` for `lr: { normalized: r }`); each has its
   * own parameters and optimizer state, and steps in lockstep with the others.
   */
  'arms?': type({ '[string]': 'unknown' }),
  loss: sectionSchema,
  optimizer: sectionSchema,
  /**
   * The learning rate and its schedule. Left out only with an optimizer that sets its own step
   * (`gradient-flow`, whose `dt` is a step in the model's natural time).
   */
  'schedule?': sectionSchema.and({ lr: learningRateSchema }),
  steps: 'number.integer > 0',
  'stop?': type({
    /** Stop with outcome `converged` once the training loss is below this. */
    'lossBelow?': 'number > 0',
    /** Treat a loss above this as divergence (non-finite values always are). */
    'lossAbove?': 'number > 0',
  }).onUndeclaredKey('reject'),
  'probes?': sectionSchema.and({ 'every?': 'number.integer > 0', 'when?': probeTriggerSchema }).array(),
  'sinks?': sectionSchema.array(),
}).onUndeclaredKey('reject');

/** A contribution's section as the core sees it: `use:` and the contribution's options. */
export interface SectionSpec {
  readonly use: string;
  readonly [option: string]: unknown;
}

type CoreSpec = typeof studySpecSchema.infer;

/** A validated study: the core fields, with each section carrying its contribution's options. */
export type StudySpec = Omit<CoreSpec, 'data' | 'model' | 'arms' | 'loss' | 'optimizer' | 'schedule' | 'probes' | 'sinks'> & {
  readonly data: SectionSpec;
  readonly model: SectionSpec & { readonly initialParameters?: string };
  readonly arms?: Readonly<Record<string, SectionSpec>>;
  readonly loss: SectionSpec;
  readonly optimizer: SectionSpec;
  readonly schedule?: SectionSpec & { readonly lr: LearningRateSpec };
  readonly probes?: readonly (SectionSpec & { readonly every?: number; readonly when?: ProbeTrigger })[];
  readonly sinks?: readonly SectionSpec[];
};

/** The keys of each section that belong to the core, not to the contribution's options. */
export const coreSectionKeys = {
  data: ['use'],
  model: ['use', 'initialParameters'],
  loss: ['use'],
  optimizer: ['use'],
  schedule: ['use', 'lr'],
  probe: ['use', 'every', 'when'],
  sink: ['use'],
} as const;
