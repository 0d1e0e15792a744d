import { type ArkErrors, type } from 'arktype';
import type { SpecIssue } from '@tdlab/core';

/**
 * The `sweep:` section of a study: which spec paths vary, and how.
 *
 * ```yaml
 * sweep:
 *   grid:                               # every combination (cartesian product, first axis outermost)
 *     schedule.lr.normalized: [0.5, 1, 1.5]
 *     model.width: [100, 1000]
 *     seed: [0, 1]
 *   zip:                                # varied together: the i-th values of every list form a point
 *     model.width: [100, 1000]
 *     steps: [300, 3000]
 *   random:                             # `samples` points drawn with their own seed
 *     samples: 16
 *     seed: 0
 *     axes:
 *       schedule.lr.normalized: { uniform: [0.5, 5] }
 *       model.width: { logUniform: [64, 4096], integer: true }
 *       seed: { choice: [0, 1, 2] }
 *   diagram: { x: schedule.lr.normalized, y: model.width }   # default: the first two axes
 * ```
 *
 * - Keys are dotted paths into the study spec: the learning rate r = η·λ₀ is
 *   `schedule.lr.normalized`, the width `model.width`, the seed `seed`. A numeric segment indexes a
 *   list (`probes.1.every`). The parent of the last segment must exist in the study (a new option
 *   under an existing section, e.g. `model.alpha`, is fine; a misspelt section is an error).
 * - `grid`, `zip` and `random` may be combined: the runs are their product (each grid point × each
 *   zip point × each random sample). An axis appears in one of them only.
 * - Axis values are numbers, strings or booleans.
 */
const axisValue = type('number | string | boolean').describe('a number, a string or a boolean');
const axisValues = axisValue.array().atLeastLength(1).describe('a non-empty list of numbers, strings or booleans');
const range = type(['number', 'number']).describe('a list [low, high] of two numbers');
const positiveRange = type(['number > 0', 'number > 0']).describe('a list [low, high] of two positive numbers');

const distributionText = '{ uniform: [low, high] }, { logUniform: [low, high] } (either with integer: true) or { choice: [values…] }';

export const distributionSchema = type({ uniform: range, 'integer?': 'boolean' })
  .onUndeclaredKey('reject')
  .or(type({ logUniform: positiveRange, 'integer?': 'boolean' }).onUndeclaredKey('reject'))
  .or(type({ choice: axisValues }).onUndeclaredKey('reject'))
  .describe(distributionText);

export const sweepSpecSchema = type({
  'grid?': type({ '[string]': axisValues }),
  'zip?': type({ '[string]': axisValues }),
  'random?': type({
    samples: type('number.integer > 0').describe('a positive integer'),
    'seed?': type('number.integer >= 0').describe('a non-negative integer'),
    axes: type({ '[string]': distributionSchema }),
  }).onUndeclaredKey('reject'),
  'diagram?': type({ x: 'string > 0', 'y?': 'string > 0' }).onUndeclaredKey('reject'),
}).onUndeclaredKey('reject');

export type SweepSpec = typeof sweepSpecSchema.infer;
export type Distribution = typeof distributionSchema.infer;
export type AxisValue = number | string | boolean;

const sectionKeys: Record<string, readonly string[]> = {
  '': ['grid', 'zip', 'random', 'diagram'],
  random: ['samples', 'seed', 'axes'],
  diagram: ['x', 'y'],
};

/** Parses the `sweep:` section; issues are named `sweep.<field>` with the value and what was expected. */
export function parseSweepSpec(raw: unknown): { sweep: SweepSpec; issues: SpecIssue[] } | { sweep?: undefined; issues: SpecIssue[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { issues: [{ path: 'sweep', message: `must be a section with grid:, zip: and/or random: (was ${show(raw)})` }] };
  }
  const out = sweepSpecSchema(raw);
  if (out instanceof type.errors) return { issues: sweepIssues(out) };
  const issues: SpecIssue[] = [];
  const sweep = out;
  if (!sweep.grid && !sweep.zip && !sweep.random) issues.push({ path: 'sweep', message: 'needs at least one of grid:, zip: or random: (was none)' });
  for (const [section, axes] of [['grid', sweep.grid], ['zip', sweep.zip], ['random.axes', sweep.random?.axes]] as const) {
    if (axes && Object.keys(axes).length === 0) issues.push({ path: `sweep.${section}`, message: 'must name at least one axis (was {})' });
  }
  if (sweep.zip) {
    const lists = Object.entries(sweep.zip);
    const [firstKey, first] = lists[0] ?? [];
    for (const [key, values] of lists.slice(1)) {
      if (first && values.length !== first.length) {
        issues.push({
          path: `sweep.zip.${key}`,
          message: `must have as many values as sweep.zip.${firstKey} (zipped axes vary together): has ${values.length}, sweep.zip.${firstKey} has ${first.length}`,
        });
      }
    }
  }
  for (const [key, distribution] of Object.entries(sweep.random?.axes ?? {})) {
    const bounds = 'uniform' in distribution ? distribution.uniform : 'logUniform' in distribution ? distribution.logUniform : undefined;
    if (bounds && !(bounds[0] < bounds[1])) {
      const kind = 'uniform' in distribution ? 'uniform' : 'logUniform';
      issues.push({ path: `sweep.random.axes.${key}.${kind}`, message: `must be [low, high] with low < high (was ${show(bounds)})` });
    }
  }
  const seen = new Map<string, string>();
  for (const [section, axes] of [['grid', sweep.grid], ['zip', sweep.zip], ['random.axes', sweep.random?.axes]] as const) {
    for (const key of Object.keys(axes ?? {})) {
      const before = seen.get(key);
      if (before) issues.push({ path: `sweep.${section}.${key}`, message: `is already an axis in sweep.${before} (an axis appears once)` });
      else seen.set(key, section);
      if (!/^[^.\s[\]]+(\.[^.\s[\]]+)*$/.test(key)) issues.push({ path: `sweep.${section}.${key}`, message: `must be a dotted path into the study, like model.width (was ${show(key)})` });
    }
  }
  if (sweep.diagram) {
    for (const field of ['x', 'y'] as const) {
      const axis = sweep.diagram[field];
      if (axis !== undefined && !seen.has(axis)) {
        issues.push({ path: `sweep.diagram.${field}`, message: `must be one of the sweep's axes (${[...seen.keys()].join(', ') || 'none'}) (was ${show(axis)})` });
      }
    }
  }
  return issues.length > 0 ? { issues } : { sweep, issues };
}

/** The axis paths in declaration order: grid, then zip, then random. */
export function sweepAxes(sweep: SweepSpec): string[] {
  return [...Object.keys(sweep.grid ?? {}), ...Object.keys(sweep.zip ?? {}), ...Object.keys(sweep.random?.axes ?? {})];
}

function sweepIssues(errors: ArkErrors): SpecIssue[] {
  return errors.map((error) => {
    const path = `sweep${error.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
    const parent = error.path.slice(0, -1).join('.');
    const last = error.path.at(-1);
    if (error.code === 'predicate' && error.expected === 'removed') {
      const known = sectionKeys[parent] ?? (parent.startsWith('random.axes.') ? ['uniform', 'logUniform', 'choice', 'integer'] : []);
      return { path, message: `is not a known key${known.length ? ` (known: ${known.join(', ')})` : ''} (was ${show(last)})` };
    }
    if (error.code === 'required') return { path, message: `is required (was missing)` };
    if (error.code === 'union' && parent === 'random.axes') return { path, message: `must be ${distributionText} (was ${show(error.data)})` };
    return { path, message: `must be ${error.expected} (was ${show(error.data)})` };
  });
}

/** A value as it appears in a message: JSON-like, short. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}
