import type { MetricRecord } from '@tdlab/core';
import { phaseNames } from '@tdlab/plugin-probes';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel, uvStudy } from './support.js';

const probes = [{ use: 'loss' }, { use: 'phase', every: 10 }, { use: 'catapult-events' }, { use: 'update-cosine', perBlock: true }, { use: 'distance-from-init' }];

async function metrics(spec: Record<string, unknown>): Promise<MetricRecord[]> {
  return lastValueFrom(kernel.metrics({ ...spec, probes }).pipe(toArray()));
}
const named = (records: MetricRecord[], name: string) => records.filter((r) => r.name === name);
const phaseOf = (records: MetricRecord[]) => phaseNames[named(records, 'phase')[0].value];

describe('phase and catapult-events on the Lewkowycz uv model — papers.md §1a, §6 targets 1–3', () => {
  it('r = 1 (m = 1000): lazy, no loss spike', async () => {
    const records = await metrics(uvStudy(1000, 1, 300));
    expect(named(records, 'phase')).toHaveLength(1);
    expect(phaseOf(records)).toBe('lazy');
    expect(Math.abs(named(records, 'phase_lambda_ratio')[0].value - 1)).toBeLessThan(0.05);
    expect(named(records, 'catapult_start')).toEqual([]);
  });

  it('r = 3 (m = 1000): catapult; start < peak < end with the peak at argmax loss', async () => {
    const records = await metrics(uvStudy(1000, 3, 300));
    expect(phaseOf(records)).toBe('catapult');
    expect(named(records, 'phase_normalized_lr')[0].value).toBeLessThan(2);
    const loss = named(records, 'loss');
    const argmax = loss.reduce((best, r) => (r.value > best.value ? r : best)).step;
    const [start, peak, end] = ['catapult_start', 'catapult_peak', 'catapult_end'].map((name) => named(records, name));
    expect([start.length, peak.length, end.length]).toEqual([1, 1, 1]);
    expect(start[0].step).toBeLessThan(peak[0].step);
    expect(peak[0].step).toBeLessThan(end[0].step);
    expect(peak[0].step).toBe(argmax);
    expect(peak[0].value).toBe(loss[argmax].value);
    expect(peak[0].value).toBeGreaterThan(0.05 * 1000);
    // The update cosine is a cosine; distance from init grows through the spike.
    for (const r of named(records, 'update_cosine')) expect(Math.abs(r.value)).toBeLessThanOrEqual(1);
    expect(named(records, 'update_cosine/u').length).toBeGreaterThan(0);
    const distance = named(records, 'distance_from_init');
    expect(distance[end[0].step].value).toBeGreaterThan(distance[start[0].step - 1].value);
  });

  it('r = 4.5 (m = 1000): divergent', async () => {
    const records = await metrics({ ...uvStudy(1000, 4.5, 100), stop: { lossAbove: 1e12 } });
    expect(phaseOf(records)).toBe('divergent');
    expect(named(records, 'catapult_end')).toEqual([]);
  });
});
