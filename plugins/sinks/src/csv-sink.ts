import { resolve } from 'node:path';
import { defineSink, type MetricRecord, type RunInfo } from '@tdlab/core';
import { type } from 'arktype';
import { BufferedFileSink } from './buffered-file-sink.js';

export const CSV_HEADER = 'run,step,name,index,value';
/** The header of a study with `arms:`. */
export const CSV_ARMS_HEADER = 'run,step,arm,name,index,value';

/** A CSV field, quoted (RFC 4180) only when it holds a comma, a quote or a line break. */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * `run,step,name,index,value`, one row per record; in a study with `arms:` (the run info names its
 * arms), `run,step,arm,name,index,value`. `index` is empty for scalar metrics; values are
 * written in JavaScript's shortest round-trip form, non-finite ones as NaN, Infinity and -Infinity
 * (which pandas, R and numpy read back as floats).
 */
export class CsvSink extends BufferedFileSink {
  private withArms = false;

  override open(info?: RunInfo): Promise<void> {
    // Before the header is written: the arm column is there only when the study has arms.
    this.withArms = info?.arms !== undefined;
    return super.open();
  }

  protected override header(): string {
    return this.withArms ? CSV_ARMS_HEADER : CSV_HEADER;
  }

  protected format(record: MetricRecord): string {
    const index = record.index === undefined ? '' : String(record.index);
    const arm = this.withArms ? `${field(record.arm ?? '')},` : '';
    return `${field(record.run)},${record.step},${arm}${field(record.name)},${index},${String(record.value)}`;
  }
}

/** `sinks: [{ use: csv, path: metrics.csv }]`; a relative path is resolved in the run directory. */
export const csvSink = defineSink({
  id: 'csv',
  description: 'Metric records as CSV rows run,step,name,index,value (run,step,arm,name,index,value with arms; non-finite values as NaN, Infinity, -Infinity)',
  options: type({ path: "string > 0 = 'metrics.csv'" }),
  create: ({ path }, context) => new CsvSink(resolve(context.outDir ?? process.cwd(), path)),
});
