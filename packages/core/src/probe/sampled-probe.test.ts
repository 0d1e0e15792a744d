import { firstValueFrom, from, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../stream/step-event.js';
import { sampledProbe } from './sampled-probe.js';

const event = (step: number, outcome?: StepEvent['outcome']): StepEvent =>
  ({ run: 'r', step, totalSteps: 4, lr: 0.1, loss: 1, outcome, state: undefined }) as unknown as StepEvent;

describe('sampledProbe', () => {
  it('measures on multiples of every and on the last step', async () => {
    const probe = sampledProbe(2, (e, emit) => emit('step', e.step));
    const records = await firstValueFrom(from([event(0), event(1), event(2), event(3, 'max-steps')]).pipe(probe.operator, toArray()));
    expect(records.map((r) => r.value)).toEqual([0, 2, 3]);
  });

  it('ends the stream with the error a measurement throws (rxjs would otherwise report it as unhandled)', async () => {
    const probe = sampledProbe(1, (e) => {
      if (e.step === 1) throw new Error('probe failed at step 1');
    });
    await expect(firstValueFrom(from([event(0), event(1), event(2)]).pipe(probe.operator, toArray()))).rejects.toThrow('probe failed at step 1');
  });
});
