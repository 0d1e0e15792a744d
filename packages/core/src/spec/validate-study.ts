import { type } from 'arktype';
import type { ContributionKind } from '../contributions/contribution-kind.js';
import type { ContributionRegistry } from '../plugin/contribution-registry.js';
import { arkIssues } from './ark-issues.js';
import { type ResolvedPart, resolveSection } from './resolve-section.js';
import type { SpecIssue } from './spec-issue.js';
import { coreSectionKeys, type StudySpec, studySpecSchema } from './study-spec.js';
import { StudySpecError } from './study-spec-error.js';

export type { ResolvedPart } from './resolve-section.js';

/** One arm of a study: a model trained side by side with the others (study-spec.ts, `arms:`). */
export interface ResolvedArm {
  /** `model` for the study's model; the key under `arms:` for the others. */
  readonly name: string;
  readonly part: ResolvedPart;
}

/** The name of the study's own model as an arm: always the first arm. */
export const MODEL_ARM = 'model';

/** Arm names are identifiers: they become tags in records and column values in sinks. */
const ARM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A study that passed validation, with every `use:` resolved. */
export interface ValidatedStudy {
  readonly spec: StudySpec;
  readonly data: ResolvedPart;
  readonly model: ResolvedPart;
  /**
   * Every arm, the study's model first (named `model`), then those of `arms:` in the order written.
   * A study without `arms:` has one arm, the model; `hasArms` tells the two apart.
   */
  readonly arms: readonly ResolvedArm[];
  /** Whether the study declares `arms:` (then events and records carry an `arm` tag). */
  readonly hasArms: boolean;
  readonly loss: ResolvedPart;
  readonly optimizer: ResolvedPart;
  /** Absent when the study leaves `schedule:` out (an optimizer with its own step). */
  readonly schedule: ResolvedPart | undefined;
  readonly probes: readonly ResolvedPart[];
  readonly sinks: readonly ResolvedPart[];
}

/**
 * Validates a study against the core schema and each contribution's option schema. Collects every
 * issue (not just the first) and throws one StudySpecError listing them all.
 */
export function validateStudy(input: unknown, registry: ContributionRegistry, source?: string): ValidatedStudy {
  const core = studySpecSchema(input);
  const issues: SpecIssue[] = [];
  if (core instanceof type.errors) {
    issues.push(...arkIssues(core, ''));
    // Carry on with the sections that are present, so one pass reports the plugins' issues too.
  }
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const resolve = (kind: ContributionKind, path: string, value: unknown): ResolvedPart | undefined =>
    resolveSection(registry, kind, path, value, issues, coreSectionKeys[kind]);
  const list = (kind: ContributionKind, key: string): ResolvedPart[] => {
    const value = raw[key];
    if (!Array.isArray(value)) return [];
    return value.map((item, i) => resolve(kind, `${key}[${i}]`, item)).filter((part): part is ResolvedPart => !!part);
  };
  const parts = {
    data: resolve('data', 'data', raw.data),
    model: resolve('model', 'model', raw.model),
    loss: resolve('loss', 'loss', raw.loss),
    optimizer: resolve('optimizer', 'optimizer', raw.optimizer),
    schedule: raw.schedule === undefined ? undefined : resolve('schedule', 'schedule', raw.schedule),
    probes: list('probe', 'probes'),
    sinks: list('sink', 'sinks'),
  };
  const arms = resolveArms(registry, raw.arms, issues);
  if (issues.length > 0 || core instanceof type.errors) throw new StudySpecError(issues, source);
  const { data, model, loss, optimizer, schedule } = parts;
  if (!data || !model || !loss || !optimizer || (raw.schedule !== undefined && !schedule)) throw new StudySpecError(issues, source);
  return {
    spec: core as StudySpec,
    data,
    model,
    arms: [{ name: MODEL_ARM, part: model }, ...arms],
    hasArms: raw.arms !== undefined,
    loss,
    optimizer,
    schedule,
    probes: parts.probes,
    sinks: parts.sinks,
  };
}

/**
 * The arms of `arms:` (not the model), each validated as a model section at `arms.<name>`. A value
 * that is not a map is reported by the core schema; here, the names and the sections.
 */
function resolveArms(registry: ContributionRegistry, value: unknown, issues: SpecIssue[]): ResolvedArm[] {
  if (Array.isArray(value)) {
    issues.push({ path: 'arms', message: 'must be a map from arm name to a model section (arms: { quadratic: { use: quadratic, base: … } }), not a list' });
    return [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const entries = Object.entries(value);
  if (entries.length === 0) {
    issues.push({ path: 'arms', message: 'must name at least one arm besides the model (or be left out)' });
    return [];
  }
  const arms: ResolvedArm[] = [];
  for (const [name, section] of entries) {
    const path = `arms.${name}`;
    if (name === MODEL_ARM) {
      issues.push({ path, message: `"${MODEL_ARM}" is the name of the study's own model (the first arm); give this arm another name` });
      continue;
    }
    if (!ARM_NAME.test(name)) {
      issues.push({ path, message: `arm names must be identifiers (letters, digits and _, not starting with a digit); was "${name}"` });
      continue;
    }
    if (typeof section !== 'object' || section === null || Array.isArray(section) || typeof (section as { use?: unknown }).use !== 'string') {
      issues.push({ path, message: 'must be a model section { use: <name>, … }' });
      continue;
    }
    const part = resolveSection(registry, 'model', path, section, issues);
    if (part) arms.push({ name, part });
  }
  return arms;
}
