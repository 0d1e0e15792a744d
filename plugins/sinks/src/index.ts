import { definePlugin, SinkContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { ArrowSink, arrowSink } from './arrow-sink.js';
import { ConsoleSink, consoleSink, summaryBlock } from './console-sink.js';
import { CsvSink, csvSink } from './csv-sink.js';
import { formatDuration, formatNumber } from './format.js';
import { JsonlSink, jsonlSink } from './jsonl-sink.js';
import { LiveStreamSink, liveStreamSink } from './live-stream-sink.js';
import { ParquetSink, parquetSink } from './parquet-sink.js';
import { PrometheusSink, prometheusSink } from './prometheus-sink.js';
import { TensorBoardSink, tensorboardSink } from './tensorboard-sink.js';

export { ConsoleSink, consoleSink, CsvSink, csvSink, formatDuration, formatNumber, JsonlSink, jsonlSink, summaryBlock };
export type { ConsoleSinkOptions } from './console-sink.js';
export { ArrowSink, arrowSink, ParquetSink, parquetSink };
export { TensorBoardSink, tensorboardSink };
export type { TensorBoardSinkOptions } from './tensorboard-sink.js';
export { LiveStreamSink, liveStreamSink, PrometheusSink, prometheusSink };
export type { LiveStreamSinkOptions } from './live-stream-sink.js';
export type { PrometheusSinkOptions } from './prometheus-sink.js';

/** The first-party sinks: console, jsonl, csv, arrow, parquet, tensorboard, live-stream, prometheus. */
export default definePlugin({
  name: '@tdlab/plugin-sinks',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(SinkContribution).toConstantValue(consoleSink);
    bind(SinkContribution).toConstantValue(jsonlSink);
    bind(SinkContribution).toConstantValue(csvSink);
    bind(SinkContribution).toConstantValue(arrowSink);
    bind(SinkContribution).toConstantValue(parquetSink);
    bind(SinkContribution).toConstantValue(tensorboardSink);
    bind(SinkContribution).toConstantValue(liveStreamSink);
    bind(SinkContribution).toConstantValue(prometheusSink);
  }),
});
