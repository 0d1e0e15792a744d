import type { Type } from 'arktype';
import type { LearningRateSpec, SectionSpec } from './study-spec.js';

/**
 * A section for `contribution`, typed by its options schema: `use(uvModel, { width: 1000 })` is
 * `{ use: 'uv', width: 1000 }`, and a misspelt or mistyped option is a compile error.
 */
export function use<S extends Type<object>, const Id extends string>(
  contribution: { readonly id: Id; readonly options: S },
  options: S['inferIn'],
): { readonly use: Id } & S['inferIn'] {
  return { ...options, use: contribution.id };
}

/** A study written in TypeScript: the same object as the YAML, with the core fields typed. */
export interface StudyInput {
  readonly name: string;
  readonly seed: number;
  readonly precision?: 'float64' | 'float32';
  readonly plugins?: readonly string[];
  readonly data: SectionSpec;
  readonly model: SectionSpec & { readonly initialParameters?: string };
  /** Further models trained side by side with `model`, by arm name (study-spec.ts). */
  readonly arms?: Readonly<Record<string, SectionSpec>>;
  readonly loss: SectionSpec;
  readonly optimizer: SectionSpec;
  readonly schedule?: SectionSpec & { readonly lr: LearningRateSpec };
  readonly steps: number;
  readonly stop?: { readonly lossBelow?: number; readonly lossAbove?: number };
  readonly probes?: readonly (SectionSpec & { readonly every?: number })[];
  readonly sinks?: readonly SectionSpec[];
}

/** Types a study object; validation still happens when it runs (`Tdlab#validate`). */
export function defineStudy<const T extends StudyInput>(study: T): T {
  return study;
}
