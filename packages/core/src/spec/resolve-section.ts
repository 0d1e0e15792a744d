import { type } from 'arktype';
import type { ContributionKind } from '../contributions/contribution-kind.js';
import type { ContributionRegistry } from '../plugin/contribution-registry.js';
import type { RegisteredContribution } from '../plugin/registered-contribution.js';
import { arkIssues } from './ark-issues.js';
import { optionKeys } from './option-keys.js';
import type { SpecIssue } from './spec-issue.js';
import type { SectionSpec } from './study-spec.js';

/** A section resolved to its contribution, with its options validated (defaults applied). */
export interface ResolvedPart {
  /** Where the section sits in the study: "model", "probes[1]", "model.base". */
  readonly path: string;
  /**
   * The section as written; for a nested section, `use:` and its validated options — the very
   * object its parent's factory finds in its options, which `createModel` looks up.
   */
  readonly section: SectionSpec;
  readonly entry: RegisteredContribution;
  readonly options: object;
  /** The sections nested in this one's options (the contribution's `nested`), by option key. */
  readonly nested?: Readonly<Record<string, ResolvedPart>>;
}

const isSection = (value: unknown): value is SectionSpec =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as SectionSpec).use === 'string';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object without use:' : JSON.stringify(value);
}

/**
 * Resolves one section of kind `kind` at `path` (any path: a top-level section, a list item, a
 * section nested in another's options, or an arm of a study) and validates its options with the
 * contribution's schema, recursing into the sections the contribution declares as `nested`.
 * Issues are appended to `issues`, with full paths; returns undefined when there was any.
 *
 * `coreKeys` are the section's keys that belong to the core, not to the contribution (`use`,
 * and e.g. `every` for a probe). A nested section has only `use`: the core's fields of a kind
 * (`initialParameters`, say) apply to the top-level section.
 */
export function resolveSection(
  registry: ContributionRegistry,
  kind: ContributionKind,
  path: string,
  value: unknown,
  issues: SpecIssue[],
  coreKeys: readonly string[] = ['use'],
): ResolvedPart | undefined {
  // A missing or malformed section is reported by the schema around it (the core's, or the
  // parent contribution's `nestedSectionSchema`), not twice.
  if (!isSection(value)) return undefined;
  const entry = registry.find(kind, value.use);
  if (!entry) {
    issues.push({ path: `${path}.use`, message: `unknown ${kind} "${value.use}" (known: ${registry.describeKnown(kind)})` });
    return undefined;
  }
  const own = Object.fromEntries(Object.entries(value).filter(([key]) => !coreKeys.includes(key)));
  const schema = entry.contribution.options;
  const options = schema.onUndeclaredKey('reject')(own);
  let failed = false;
  if (options instanceof type.errors) {
    issues.push(...arkIssues(options, path, optionKeys(schema)));
    failed = true;
  }
  // Nested sections are resolved even when the parent's own options failed, so one pass reports all.
  const nested: Record<string, ResolvedPart> = {};
  for (const [key, nestedKind] of Object.entries(entry.contribution.nested ?? {})) {
    const nestedValue = own[key];
    if (nestedValue === undefined) continue; // an optional nested section left out
    if (!isSection(nestedValue)) {
      // Normally the parent's schema (nestedSectionSchema) has said so already.
      const at = `${path}.${key}`;
      const message = `must be a section { use: <name>, … } (was ${describe(nestedValue)})`;
      if (!issues.some((issue) => issue.path === at || issue.path.startsWith(`${at}.`))) issues.push({ path: at, message });
      failed = true;
      continue;
    }
    const part = resolveSection(registry, nestedKind, `${path}.${key}`, nestedValue, issues);
    // What the factory is handed: `use:` and the validated options (defaults applied).
    if (part) nested[key] = { ...part, section: { ...part.options, use: part.section.use } };
    else failed = true;
  }
  if (failed) return undefined;
  const keys = Object.keys(nested);
  if (keys.length === 0) return { path, section: value, entry, options: options as object };
  // The factory finds each nested section under its key as the object the nested part carries,
  // so `createModel(options.base)` can find the part by identity.
  const withNested = { ...(options as object), ...Object.fromEntries(keys.map((key) => [key, nested[key].section])) };
  return { path, section: value, entry, options: withNested, nested };
}
