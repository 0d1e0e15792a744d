import { ContributionRegistry } from '@tdlab/core';
import { describe, expect, it } from 'vitest';
import plugin, { consoleSink, csvSink, jsonlSink, liveStreamSink, prometheusSink, tensorboardSink } from './index.js';

describe('@tdlab/plugin-sinks', () => {
  it('registers its sinks with the core', () => {
    const registry = new ContributionRegistry();
    registry.register(plugin);
    expect(registry.list('sink').map((entry) => [entry.contribution.id, entry.plugin])).toEqual([
      ['console', '@tdlab/plugin-sinks@0.1.0'],
      ['jsonl', '@tdlab/plugin-sinks@0.1.0'],
      ['csv', '@tdlab/plugin-sinks@0.1.0'],
      ['arrow', '@tdlab/plugin-sinks@0.1.0'],
      ['parquet', '@tdlab/plugin-sinks@0.1.0'],
      ['tensorboard', '@tdlab/plugin-sinks@0.1.0'],
      ['live-stream', '@tdlab/plugin-sinks@0.1.0'],
      ['prometheus', '@tdlab/plugin-sinks@0.1.0'],
    ]);
    expect(registry.find('sink', 'console')?.contribution).toBe(consoleSink);
    expect(registry.find('sink', 'jsonl')?.contribution).toBe(jsonlSink);
    expect(registry.find('sink', 'csv')?.contribution).toBe(csvSink);
    expect(registry.find('sink', 'tensorboard')?.contribution).toBe(tensorboardSink);
    expect(registry.find('sink', 'live-stream')?.contribution).toBe(liveStreamSink);
    expect(registry.find('sink', 'prometheus')?.contribution).toBe(prometheusSink);
  });
});
