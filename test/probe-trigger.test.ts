import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel, uvStudy } from './support.js';

/*
 * Issue 5: "Probes may be triggered by another metric (e.g. compute the NTK spectrum every step while
 * the loss is above its start) so expensive probes run when they matter." `when:` on a probe section.
 * uv model at r = 3 (papers.md §1a): the loss rises above L₀ for a stretch of steps, then falls.
 */
async function records(spec: Record<string, unknown>) {
  return lastValueFrom(kernel.metrics(spec).pipe(toArray()));
}

describe('probe when: triggers', () => {
  it('measures ntk_lambda exactly at step 0, the steps with loss > L₀, and the last step', async () => {
    const spec = {
      ...uvStudy(1000, 3, 200),
      probes: [{ use: 'loss' }, { use: 'ntk-top-eigenvalue', when: { metric: 'loss', above: 'initial' } }],
    };
    const all = await records(spec);
    const loss = all.filter((record) => record.name === 'loss');
    const lambda = all.filter((record) => record.name === 'ntk_lambda');
    const initial = loss[0].value;
    const last = loss.at(-1)!.step;
    const expected = loss.filter((record) => record.step === 0 || record.step === last || record.value > initial).map((record) => record.step);
    expect(lambda.map((record) => record.step)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(5); // the catapult's spike
    expect(expected.length).toBeLessThan(loss.length / 2); // and not every step
  });

  it('reads another probe’s metric (newest value) with a number threshold', async () => {
    const spec = {
      ...uvStudy(1000, 3, 200),
      probes: [{ use: 'loss' }, { use: 'ntk-top-eigenvalue' }, { use: 'weight-norm', when: { metric: 'ntk_lambda', below: 1 } }],
    };
    const all = await records(spec);
    const lambda = new Map(all.filter((r) => r.name === 'ntk_lambda').map((r) => [r.step, r.value]));
    const norm = all.filter((r) => r.name === 'weight_norm_ratio');
    const last = Math.max(...lambda.keys());
    for (const record of norm) {
      if (record.step === 0 || record.step === last) continue;
      expect(lambda.get(record.step)!).toBeLessThan(1);
    }
    expect(norm.length).toBeGreaterThan(2);
    expect(norm.length).toBeLessThan(lambda.size);
  });

  it('is validated like the rest of the spec', () => {
    expect(() => kernel.validate({ ...uvStudy(10, 1, 5), probes: [{ use: 'loss', when: { metric: 'loss', above: 'start' } }] })).toThrow(
      /probes\[0\]\.when\.above/,
    );
    expect(() => kernel.validate({ ...uvStudy(10, 1, 5), probes: [{ use: 'loss', when: { metric: 'loss', beyond: 1 } }] })).toThrow(
      /probes\[0\]\.when\.beyond/,
    );
  });
});
