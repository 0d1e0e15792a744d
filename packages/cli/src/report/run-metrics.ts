import { readFile } from 'node:fs/promises';
import type { MetricRecord } from '@tdlab/core';

const nonFinite: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/**
 * Reads a run directory's metrics.jsonl: one MetricRecord per line. Non-finite values written as
 * text (`"NaN"`, `"Infinity"`, `"-Infinity"`, as the kernel's jsonNumbers does) or null come back
 * as numbers (null as NaN). Blank lines are skipped; a line that is not a record throws, naming it.
 */
export async function readMetrics(path: string): Promise<MetricRecord[]> {
  return parseMetrics(await readFile(path, 'utf8'), path);
}

export function parseMetrics(text: string, source = 'metrics.jsonl'): MetricRecord[] {
  const records: MetricRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${source}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    const { run, arm, step, name, index } = parsed;
    const value = toNumber(parsed.value);
    if (typeof name !== 'string' || typeof step !== 'number' || value === undefined) {
      throw new Error(`${source}:${i + 1}: not a metric record (needs name, step and value)`);
    }
    records.push({
      run: typeof run === 'string' ? run : '',
      ...(typeof arm === 'string' ? { arm } : {}),
      step,
      name,
      value,
      ...(typeof index === 'number' ? { index } : {}),
    });
  }
  return records;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null) return Number.NaN;
  if (typeof value === 'string' && Object.hasOwn(nonFinite, value)) return nonFinite[value];
  return undefined;
}
