import { ProtoWriter } from './proto-writer.js';

/*
 * TensorBoard's event protos, encoded by hand. Field numbers are those of tensorboard.Event
 * (tensorboard/compat/proto/event.proto), tensorboard.Summary and SummaryMetadata (summary.proto),
 * tensorboard.TensorProto (tensor.proto), tensorboard.hparams.HParamsPluginData, SessionStartInfo
 * and SessionEndInfo (plugins/hparams/plugin_data.proto) and google.protobuf.Value (struct.proto).
 */

/** The first event of every event file: `file_version: "brain.Event:2"`. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter()
    .double(1, wallTime) // Event.wall_time
    .string(3, 'brain.Event:2') // Event.file_version
    .finish();
}

/** An event with one scalar: Event{wall_time, step, summary: {value: [{tag, simple_value}]}}. */
export function scalarEvent(wallTime: number, step: number, tag: string, value: number): Uint8Array {
  const summaryValue = new ProtoWriter()
    .string(1, tag) // Summary.Value.tag
    .float(2, value); // Summary.Value.simple_value (a oneof member: written even when 0)
  return summaryEvent(wallTime, step, new ProtoWriter().message(1, summaryValue));
}

/** A hyperparameter: what google.protobuf.Value holds for a number, a string or a boolean. */
export type HParamValue = number | string | boolean;

/** The hparams plugin's session status (tensorboard.hparams.Status in plugins/hparams/api.proto). */
export const SessionStatus = { unknown: 0, success: 1, failure: 2, running: 3 } as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

/** The tags the hparams plugin reads (tensorboard/plugins/hparams/metadata.py). */
export const SESSION_START_INFO_TAG = '_hparams_/session_start_info';
export const SESSION_END_INFO_TAG = '_hparams_/session_end_info';

/** The hparams plugin's session start: SessionStartInfo{hparams, start_time_secs}. */
export function sessionStartEvent(wallTime: number, hparams: ReadonlyMap<string, HParamValue>): Uint8Array {
  const start = new ProtoWriter();
  for (const [name, value] of hparams) {
    // map<string, google.protobuf.Value> hparams = 1: one {key = 1, value = 2} entry per pair.
    start.message(1, new ProtoWriter().string(1, name).message(2, structValue(value)));
  }
  start.double(5, wallTime); // SessionStartInfo.start_time_secs
  return hparamsEvent(wallTime, SESSION_START_INFO_TAG, new ProtoWriter().message(3, start)); // HParamsPluginData.session_start_info
}

/** The hparams plugin's session end: SessionEndInfo{status, end_time_secs}. */
export function sessionEndEvent(wallTime: number, status: SessionStatus): Uint8Array {
  const end = new ProtoWriter();
  if (status !== SessionStatus.unknown) end.varint(1, status); // SessionEndInfo.status
  end.double(2, wallTime); // SessionEndInfo.end_time_secs
  return hparamsEvent(wallTime, SESSION_END_INFO_TAG, new ProtoWriter().message(4, end)); // HParamsPluginData.session_end_info
}

/**
 * A Summary.Value for the hparams plugin, as tensorboard.plugins.hparams.summary_v2 writes it:
 * metadata.plugin_data = {plugin_name: "hparams", content: HParamsPluginData (version 0)}, and a
 * rank-0 float tensor 0.0 as the value, so data providers list the tag as a tensor time series.
 */
function hparamsEvent(wallTime: number, tag: string, pluginData: ProtoWriter): Uint8Array {
  const metadata = new ProtoWriter()
    .message(1, new ProtoWriter().string(1, 'hparams').message(2, pluginData)) // SummaryMetadata.plugin_data {plugin_name, content}
    .varint(4, 2); // SummaryMetadata.data_class = DATA_CLASS_TENSOR
  const nullTensor = new ProtoWriter()
    .varint(1, 1) // TensorProto.dtype = DT_FLOAT
    .message(2, new ProtoWriter()) // TensorProto.tensor_shape = {} (rank 0)
    .packedFloats(5, [0]); // TensorProto.float_val
  const summaryValue = new ProtoWriter()
    .string(1, tag) // Summary.Value.tag
    .message(9, metadata) // Summary.Value.metadata
    .message(8, nullTensor); // Summary.Value.tensor
  return summaryEvent(wallTime, 0, new ProtoWriter().message(1, summaryValue));
}

function summaryEvent(wallTime: number, step: number, summary: ProtoWriter): Uint8Array {
  const event = new ProtoWriter().double(1, wallTime); // Event.wall_time
  if (step !== 0) event.varint(2, step); // Event.step
  return event.message(5, summary).finish(); // Event.summary
}

/** google.protobuf.Value: number_value = 2, string_value = 3, bool_value = 4 (a oneof: always written). */
function structValue(value: HParamValue): ProtoWriter {
  const writer = new ProtoWriter();
  if (typeof value === 'number') return writer.double(2, value);
  if (typeof value === 'string') return writer.string(3, value);
  return writer.varint(4, value ? 1 : 0);
}
