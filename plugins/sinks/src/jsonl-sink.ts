import { resolve } from 'node:path';
import { defineSink, jsonNumbers, type MetricRecord } from '@tdlab/core';
import { type } from 'arktype';
import { BufferedFileSink } from './buffered-file-sink.js';

/**
 * One JSON object per record per line: `{"run":…,"step":…,"arm":…,"name":…,"index":…,"value":…}`
 * (`arm` only in a study with `arms:`, `index` only on components of vector metrics). JSON has no NaN or Infinity, so non-finite values are
 * written as the strings "NaN", "Infinity" and "-Infinity".
 */
export class JsonlSink extends BufferedFileSink {
  protected format(record: MetricRecord): string {
    const { run, step, arm, name, index, value } = record;
    const ordered = {
      run,
      step,
      ...(arm === undefined ? {} : { arm }),
      name,
      ...(index === undefined ? {} : { index }),
      value,
    };
    return JSON.stringify(ordered, jsonNumbers);
  }
}

/** `sinks: [{ use: jsonl, path: metrics.jsonl }]`; a relative path is resolved in the run directory. */
export const jsonlSink = defineSink({
  id: 'jsonl',
  description: 'Metric records as JSON lines (non-finite values as "NaN", "Infinity", "-Infinity")',
  options: type({ path: "string > 0 = 'metrics.jsonl'" }),
  create: ({ path }, context) => new JsonlSink(resolve(context.outDir ?? process.cwd(), path)),
});
