import { describe, expect, it } from 'vitest';
import { runId } from './run-id.js';

describe('runId', () => {
  const spec = { name: 'a', seed: 0, model: { use: 'uv', width: 10 }, steps: 5 };

  it('is the name and a hash of the spec, independent of key order', () => {
    const id = runId('a', spec);
    expect(id).toMatch(/^a-[0-9a-f]{12}$/);
    expect(runId('a', { steps: 5, model: { width: 10, use: 'uv' }, seed: 0, name: 'a' })).toBe(id);
  });

  it('changes with anything that changes the run, not with the sinks', () => {
    const id = runId('a', spec);
    expect(runId('a', { ...spec, seed: 1 })).not.toBe(id);
    expect(runId('a', { ...spec, model: { use: 'uv', width: 11 } })).not.toBe(id);
    expect(runId('a', { ...spec, sinks: [{ use: 'jsonl' }] })).toBe(id);
  });
});
