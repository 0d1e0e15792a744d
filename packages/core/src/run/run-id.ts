import { createHash } from 'node:crypto';

/** Serializes with sorted keys, so equal specs give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A run's id: the study name and a hash of its resolved spec, so the same spec gives the same id.
 * Sinks are left out: where the metrics go does not change the run.
 */
export function runId(name: string, spec: object): string {
  const { sinks: _sinks, ...identity } = spec as { sinks?: unknown };
  const hash = createHash('sha256').update(canonical(identity)).digest('hex').slice(0, 12);
  return `${name}-${hash}`;
}
