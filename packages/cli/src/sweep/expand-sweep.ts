import { runId, type SpecIssue, StudySpecError } from '@tdlab/core';
import { type AxisValue, type Distribution, parseSweepSpec, show, type SweepSpec, sweepAxes } from './sweep-spec.js';
import type { PlannedRun, SweepPlan } from './sweep-types.js';

type Point = Record<string, AxisValue>;

/**
 * Plans a sweep: strips `sweep:` from the study, expands its axes (grid × zip × random, see
 * sweep-spec.ts), sets each point's values by path in a deep copy of the study, and validates every
 * resulting spec with `validate` (the real registry: `kernel.validate`). All problems are collected
 * and thrown as one StudySpecError — the sweep section's own, then every failing run's, each
 * prefixed by its axis values — so a bad combination fails before anything runs.
 *
 * Each run keeps the study's `name`; its id is runId(name, resolved spec), so equal specs share an
 * id (and a run directory), and a re-run of the sweep finds its finished runs again.
 */
export function planSweep(rawSpec: unknown, baseDir: string, validate: (spec: Record<string, unknown>) => void, source?: string): SweepPlan {
  if (typeof rawSpec !== 'object' || rawSpec === null || Array.isArray(rawSpec)) {
    throw new StudySpecError([{ path: '(root)', message: `must be a study with a sweep: section (was ${show(rawSpec)})` }], source);
  }
  const { sweep: rawSweep, ...base } = rawSpec as Record<string, unknown>;
  if (rawSweep === undefined) {
    throw new StudySpecError([{ path: 'sweep', message: 'is missing: tdlab sweep needs a study with a sweep: section (tdlab run runs a single study)' }], source);
  }
  const parsed = parseSweepSpec(rawSweep);
  if (!parsed.sweep) throw new StudySpecError(parsed.issues, source);
  const sweep = parsed.sweep;
  const axes = sweepAxes(sweep);
  const issues: SpecIssue[] = [];
  for (const axis of axes) {
    const problem = pathProblem(base, axis);
    if (problem) issues.push({ path: `sweep.${sectionOf(sweep, axis)}.${axis}`, message: problem });
  }
  if (issues.length > 0) throw new StudySpecError(issues, source);

  const name = typeof base.name === 'string' ? base.name : 'sweep';
  const runs: PlannedRun[] = [];
  for (const point of expandPoints(sweep)) {
    const spec = structuredClone(base);
    for (const [path, value] of Object.entries(point)) setPath(spec, path, value);
    try {
      validate(spec);
    } catch (error) {
      const label = `[${Object.entries(point)
        .map(([path, value]) => `${path}=${show(value)}`)
        .join(', ')}]`;
      if (error instanceof StudySpecError) issues.push(...error.issues.map((issue) => ({ path: `${label} ${issue.path}`, message: issue.message })));
      else issues.push({ path: label, message: error instanceof Error ? error.message : String(error) });
      continue;
    }
    runs.push({ id: runId(name, spec), spec, axes: point });
  }
  if (issues.length > 0) throw new StudySpecError(issues, source);
  return { name, baseDir, axes, runs };
}

/** The diagram's axes: sweep.diagram, else the first two axes. */
export function diagramAxes(rawSpec: unknown): { x: string; y?: string } {
  const parsed = parseSweepSpec((rawSpec as { sweep?: unknown }).sweep);
  if (!parsed.sweep) throw new StudySpecError(parsed.issues);
  if (parsed.sweep.diagram) return parsed.sweep.diagram;
  const [x, y] = sweepAxes(parsed.sweep);
  return y === undefined ? { x } : { x, y };
}

/** Every point of the sweep: grid points (first axis outermost) × zip points × random samples. */
export function expandPoints(sweep: SweepSpec): Point[] {
  let points: Point[] = [{}];
  for (const [axis, values] of Object.entries(sweep.grid ?? {})) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [axis]: value })));
  }
  if (sweep.zip) {
    const entries = Object.entries(sweep.zip);
    const length = entries[0]?.[1].length ?? 0;
    const zipped = Array.from({ length }, (_, i) => Object.fromEntries(entries.map(([axis, values]) => [axis, values[i]])) as Point);
    points = points.flatMap((point) => zipped.map((z) => ({ ...point, ...z })));
  }
  if (sweep.random) {
    const random = mulberry32(sweep.random.seed ?? 0);
    const distributions = Object.entries(sweep.random.axes);
    const samples = Array.from({ length: sweep.random.samples }, () => Object.fromEntries(distributions.map(([axis, distribution]) => [axis, draw(distribution, random)])) as Point);
    points = points.flatMap((point) => samples.map((sample) => ({ ...point, ...sample })));
  }
  return points;
}

function draw(distribution: Distribution, random: () => number): AxisValue {
  if ('choice' in distribution) return distribution.choice[Math.min(distribution.choice.length - 1, Math.floor(random() * distribution.choice.length))];
  if ('uniform' in distribution) {
    const [low, high] = distribution.uniform;
    const value = low + (high - low) * random();
    return distribution.integer ? Math.round(value) : value;
  }
  const [low, high] = distribution.logUniform;
  const value = Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * random());
  return distribution.integer ? Math.round(value) : value;
}

/** A small seeded generator (mulberry32): the same seed gives the same samples on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sectionOf(sweep: SweepSpec, axis: string): string {
  if (sweep.grid && axis in sweep.grid) return 'grid';
  if (sweep.zip && axis in sweep.zip) return 'zip';
  return 'random.axes';
}

/**
 * Why `path` cannot be set in `spec`, or undefined when it can: every segment but the last must
 * exist (an object, or a list indexed by a number); the last may be new.
 */
function pathProblem(spec: Record<string, unknown>, path: string): string | undefined {
  const segments = path.split('.');
  let node: unknown = spec;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i];
    const next = child(node, segment);
    const where = segments.slice(0, i + 1).join('.');
    if (next === undefined) return `the study has no ${where} (an axis sets a value under a section the study already has) (was ${show(path)})`;
    if (typeof next !== 'object' || next === null) return `the study's ${where} is ${show(next)}, not a section with keys (was ${show(path)})`;
    node = next;
  }
  if (Array.isArray(node) && !/^\d+$/.test(segments.at(-1)!)) return `the study's ${segments.slice(0, -1).join('.')} is a list: index it with a number (was ${show(path)})`;
  return undefined;
}

function child(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
  if (typeof node === 'object' && node !== null) return (node as Record<string, unknown>)[segment];
  return undefined;
}

function setPath(spec: Record<string, unknown>, path: string, value: AxisValue): void {
  const segments = path.split('.');
  let node = spec as Record<string, unknown> | unknown[];
  for (const segment of segments.slice(0, -1)) node = child(node, segment) as Record<string, unknown> | unknown[];
  const last = segments.at(-1)!;
  if (Array.isArray(node)) node[Number(last)] = value;
  else node[last] = value;
}
