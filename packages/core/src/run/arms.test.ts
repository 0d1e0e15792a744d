import { lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { RunInfo } from '../sink/sink.js';
import { StudySpecError } from '../spec/study-spec-error.js';
import { linearStudy, linearTestPlugin, RecordingSink } from '../testing/linear-test-plugin.js';
import { Tdlab } from './tdlab.js';

/*
 * Arms (study-spec.ts `arms:`) on the linear test model f = θ·x: its NTK is X Xᵀ whatever θ is, so
 * arms that differ only in θ₀ share λ₀ and the learning rate, and each arm's GD step is closed form.
 */
const kernel = new Tdlab([linearTestPlugin]);
const armed = (arms: Record<string, unknown>, overrides: Record<string, unknown> = {}) => linearStudy({ arms, ...overrides });

function issuesOf(spec: unknown): { path: string; message: string }[] {
  try {
    kernel.validate(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(StudySpecError);
    return [...(error as StudySpecError).issues];
  }
  throw new Error('expected the study to be invalid');
}

interface Snapshot {
  arm: string | undefined;
  step: number;
  loss: number;
  lr: number;
  outcome: string | undefined;
  params: number[];
  /** The step each live arm's state is at, read from its outputs (f = θ·x at that arm's θ). */
  armsAtThisStep: [string, number[]][] | undefined;
  gradient: number[] | undefined;
}

async function snapshots(spec: Record<string, unknown>): Promise<Snapshot[]> {
  return lastValueFrom(
    kernel.run(spec).pipe(
      map((event) => ({
        arm: event.arm,
        step: event.step,
        loss: event.loss,
        lr: event.lr,
        outcome: event.outcome,
        params: [...event.state.params],
        armsAtThisStep: event.state.arms && [...event.state.arms].map(([name, state]): [string, number[]] => [name, [...state.params]]),
        gradient: event.state.gradient && [...event.state.gradient],
      })),
      toArray(),
    ),
  );
}

describe('arms: validation', () => {
  it('resolves every arm as a model section at arms.<name>, the model first', () => {
    const study = kernel.validate(armed({ zero: { use: 'linear', init: 0 }, ones: { use: 'linear', init: [1, 1] } }));
    expect(study.hasArms).toBe(true);
    expect(study.arms.map((arm) => [arm.name, arm.part.path, arm.part.options])).toEqual([
      ['model', 'model', {}],
      ['zero', 'arms.zero', { init: 0 }],
      ['ones', 'arms.ones', { init: [1, 1] }],
    ]);
    const plain = kernel.validate(linearStudy());
    expect(plain.hasArms).toBe(false);
    expect(plain.arms.map((arm) => arm.name)).toEqual(['model']);
  });

  it('names each issue by its full path: unknown models, bad options, bad names, the reserved name model', () => {
    expect(
      issuesOf(
        armed({
          model: { use: 'linear' },
          '2nd': { use: 'linear' },
          bad: { use: 'linear', init: 'x' },
          missing: { use: 'resnet' },
          extra: { use: 'linear', depth: 2 },
          notASection: 3,
        }),
      ).map((issue) => issue.path),
    ).toEqual(['arms.model', 'arms.2nd', 'arms.bad.init', 'arms.missing.use', 'arms.extra.depth', 'arms.notASection']);
    expect(issuesOf(armed({}))).toEqual([{ path: 'arms', message: 'must name at least one arm besides the model (or be left out)' }]);
    expect(issuesOf(armed({ b: { use: 'linear', initialParameters: 'theta.json' } }))[0].path).toBe('arms.b.initialParameters');
    expect(issuesOf(linearStudy({ arms: [{ use: 'linear' }] }))).toEqual([
      { path: 'arms', message: 'must be a map from arm name to a model section (arms: { quadratic: { use: quadratic, base: … } }), not a list' },
    ]);
    expect(issuesOf(linearStudy({ arms: 3 }))[0].path).toBe('arms');
  });
});

describe('arms: lockstep training', () => {
  it('emits every arm’s event of step t (the model first) before any of step t+1, with every state at step t', async () => {
    const all = await snapshots(armed({ zero: { use: 'linear', init: 0 }, ones: { use: 'linear', init: [1, 1] } }, { steps: 5 }));
    expect(all.map((s) => `${s.step}:${s.arm}`)).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((step) => ['model', 'zero', 'ones'].map((arm) => `${step}:${arm}`)),
    );
    for (const s of all) {
      // The arms map holds every live arm at the step of this event: its own entry is its own state.
      expect(s.armsAtThisStep!.map(([name]) => name)).toEqual(['model', 'zero', 'ones']);
      expect(s.armsAtThisStep!.find(([name]) => name === s.arm)![1]).toEqual(s.params);
      // Events of one step see the same parameters for each arm: no arm has updated yet.
      for (const other of all.filter((o) => o.step === s.step)) expect(other.armsAtThisStep).toEqual(s.armsAtThisStep);
    }
    // One learning rate for every arm, each arm its own GD step θ − η·g.
    expect(new Set(all.map((s) => s.lr)).size).toBe(1);
    for (const arm of ['model', 'zero', 'ones']) {
      const [s0, s1] = all.filter((s) => s.arm === arm);
      s1.params.forEach((value, i) => expect(value).toBe(s0.params[i] - s0.lr * s0.gradient![i]));
    }
    expect(all.filter((s) => s.step === 5).map((s) => s.outcome)).toEqual(['max-steps', 'max-steps', 'max-steps']);
    // Arms start where their own initialization puts them: the model from rng('model'), the others from init.
    expect(all.find((s) => s.arm === 'zero')!.params).toEqual([0, 0]);
  });

  it('an arm that stops leaves the lockstep; the others go on, and the stream ends when all have stopped', async () => {
    // loss ½Σ(f−y)² at θ = (1000, 1000) is about 1e7 > lossAbove: `far` diverges at step 0.
    const all = await snapshots(armed({ far: { use: 'linear', init: [1000, 1000] } }, { steps: 3, stop: { lossAbove: 1e6 } }));
    expect(all.map((s) => `${s.step}:${s.arm}:${s.outcome ?? ''}`)).toEqual(['0:model:', '0:far:diverged', '1:model:', '2:model:', '3:model:max-steps']);
    expect(all[0].armsAtThisStep!.map(([name]) => name)).toEqual(['model', 'far']);
    expect(all[2].armsAtThisStep!.map(([name]) => name)).toEqual(['model']);
  });

  it('without arms nothing changes: no arm on events or records, no arms map', async () => {
    const all = await snapshots(linearStudy({ steps: 2 }));
    expect(all.every((s) => s.arm === undefined && s.armsAtThisStep === undefined)).toBe(true);
    const events = await lastValueFrom(kernel.run(linearStudy({ steps: 1 })).pipe(toArray()));
    expect(events.every((event) => !('arm' in event))).toBe(true);
    const records = await lastValueFrom(kernel.metrics(linearStudy({ steps: 1 })).pipe(toArray()));
    expect(records.every((record) => !('arm' in record))).toBe(true);
  });
});

describe('arms: probes, sinks and the summary', () => {
  it('runs every probe per arm and tags its records with the arm', async () => {
    const records = await lastValueFrom(kernel.metrics(armed({ zero: { use: 'linear', init: 0 } }, { steps: 2 })).pipe(toArray()));
    expect(records.map((r) => `${r.step}:${r.arm}:${r.name}`)).toEqual([
      '0:model:loss',
      '0:zero:loss',
      '1:model:loss',
      '1:zero:loss',
      '2:model:loss',
      '2:zero:loss',
    ]);
    // At θ = 0 the zero arm's loss is ½·Σy² = ½(1 + 1 + 0.25).
    expect(records[1].value).toBe(1.125);
  });

  it('summarizes every arm; the run’s own fields are the model arm’s', async () => {
    const infos: RunInfo[] = [];
    const spec = armed({ far: { use: 'linear', init: [1000, 1000] }, zero: { use: 'linear', init: 0 } }, { steps: 4, stop: { lossAbove: 1e6 } });
    const summary = await kernel.execute(spec, { extraSinks: [{ open: (info) => void infos.push(info), write: () => {} }] });
    // Sinks learn the arms when they open (the csv sink adds its arm column then).
    expect(infos.map((info) => info.arms)).toEqual([['model', 'far', 'zero']]);
    expect(Object.keys(summary.arms!)).toEqual(['model', 'far', 'zero']);
    expect(summary.arms!.far).toMatchObject({ outcome: 'diverged', steps: 0 });
    expect(summary.arms!.zero).toMatchObject({ outcome: 'max-steps', steps: 4, initialLoss: 1.125, normalizedLr: 1 });
    const { model } = summary.arms!;
    expect(summary).toMatchObject({ outcome: model.outcome, steps: model.steps, initialLoss: model.initialLoss, finalLoss: model.finalLoss, lambda0: model.lambda0 });
    // λ₀ is the same for every arm of the linear model (X Xᵀ), so each arm's r = η·λ₀ is the study's.
    expect(summary.arms!.zero.lambda0).toBe(summary.lambda0);
    const sink = RecordingSink.last!;
    expect(sink.summary?.arms).toEqual(summary.arms);
    expect(new Set(sink.records.map((r) => r.arm))).toEqual(new Set(['model', 'far', 'zero']));
    const plain = await kernel.execute(linearStudy({ steps: 2 }));
    expect(plain.arms).toBeUndefined();
  });
});
