import { type } from 'arktype';
import type { ContributionKind } from '../contributions/contribution-kind.js';
import type { ContributionRegistry } from '../plugin/contribution-registry.js';
import type { RegisteredContribution } from '../plugin/registered-contribution.js';
import { arkIssues } from './ark-issues.js';
import { optionKeys } from './option-keys.js';
import type { SpecIssue } from './spec-issue.js';
import { coreSectionKeys, type SectionSpec, type StudySpec, studySpecSchema } from './study-spec.js';
import { StudySpecError } from './study-spec-error.js';

/** A section resolved to its contribution, with its options validated (defaults applied). */
export interface ResolvedPart {
  readonly path: string;
  readonly section: SectionSpec;
  readonly entry: RegisteredContribution;
  readonly options: object;
}

/** A study that passed validation, with every `use:` resolved. */
export interface ValidatedStudy {
  readonly spec: StudySpec;
  readonly data: ResolvedPart;
  readonly model: ResolvedPart;
  readonly loss: ResolvedPart;
  readonly optimizer: ResolvedPart;
  readonly schedule: ResolvedPart;
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
  const resolve = (kind: ContributionKind, path: string, value: unknown): ResolvedPart | undefined => {
    if (typeof value !== 'object' || value === null || typeof (value as SectionSpec).use !== 'string') return undefined;
    const section = value as SectionSpec;
    const entry = registry.find(kind, section.use);
    if (!entry) {
      issues.push({ path: `${path}.use`, message: `unknown ${kind} "${section.use}" (known: ${registry.describeKnown(kind)})` });
      return undefined;
    }
    const coreKeys: readonly string[] = coreSectionKeys[kind];
    const own = Object.fromEntries(Object.entries(section).filter(([key]) => !coreKeys.includes(key)));
    const schema = entry.contribution.options;
    const strict = schema.onUndeclaredKey('reject');
    const options = strict(own);
    if (options instanceof type.errors) {
      issues.push(...arkIssues(options, path, optionKeys(schema)));
      return undefined;
    }
    return { path, section, entry, options: options as object };
  };
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
    schedule: resolve('schedule', 'schedule', raw.schedule),
    probes: list('probe', 'probes'),
    sinks: list('sink', 'sinks'),
  };
  if (issues.length > 0 || core instanceof type.errors) throw new StudySpecError(issues, source);
  const { data, model, loss, optimizer, schedule } = parts;
  if (!data || !model || !loss || !optimizer || !schedule) throw new StudySpecError(issues, source);
  return { spec: core as StudySpec, data, model, loss, optimizer, schedule, probes: parts.probes, sinks: parts.sinks };
}
