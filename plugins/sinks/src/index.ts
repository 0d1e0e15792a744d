import { definePlugin, SinkContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { ConsoleSink, consoleSink, summaryBlock } from './console-sink.js';
import { CsvSink, csvSink } from './csv-sink.js';
import { formatDuration, formatNumber } from './format.js';
import { JsonlSink, jsonlSink } from './jsonl-sink.js';

export { ConsoleSink, consoleSink, CsvSink, csvSink, formatDuration, formatNumber, JsonlSink, jsonlSink, summaryBlock };
export type { ConsoleSinkOptions } from './console-sink.js';

/** The first-party sinks: console, jsonl, csv. */
export default definePlugin({
  name: '@tdlab/plugin-sinks',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(SinkContribution).toConstantValue(consoleSink);
    bind(SinkContribution).toConstantValue(jsonlSink);
    bind(SinkContribution).toConstantValue(csvSink);
  }),
});
