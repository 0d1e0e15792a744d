import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@tdlab/cli';
import { type MetricRecord, type StepEvent, StudySpecError } from '@tdlab/core';
import { lastValueFrom, map, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel } from './support.js';

/*
 * Arms: the network, its quadratic model and its linearized model as one study (papers.md §1b,
 * §6 Zhu 5 on a small instance). They share the data, θ₀, the loss and η = r/λ₀ of the network;
 * each trains its own parameters, in lockstep.
 */

const net = { use: 'two-layer', width: 1024, activation: 'relu' };

/** Meltzer target 2's set-up (two-layer ReLU, sign-teacher n = 16, d = 10, ½·mean) with three arms. */
function threeArms(r: number, steps = 300): Record<string, unknown> {
  return {
    name: `zhu-three-arms-r${r}`,
    seed: 0,
    data: { use: 'sign-teacher', n: 16, d: 10, eval: { n: 200 } },
    model: net,
    arms: { quadratic: { use: 'quadratic', base: net }, linearized: { use: 'linearized', base: net } },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: r } },
    steps,
    stop: { lossAbove: 1e12 },
    probes: [{ use: 'arm-distance', every: 10 }],
  };
}

interface ArmTrace {
  loss: number[];
  lambda: number[];
  lr: number;
  outcome: string | undefined;
}

/** Per arm: the loss at every step, λ every 10 steps and on the last, the outcome. */
async function traceArms(spec: Record<string, unknown>): Promise<Map<string, ArmTrace>> {
  const arms = new Map<string, ArmTrace>();
  await lastValueFrom(
    kernel.run(spec).pipe(
      map((event: StepEvent) => {
        const arm = event.arm!;
        if (!arms.has(arm)) arms.set(arm, { loss: [], lambda: [], lr: event.lr, outcome: undefined });
        const trace = arms.get(arm)!;
        trace.loss.push(event.loss);
        if ((event.step % 10 === 0 || event.outcome) && Number.isFinite(event.loss)) trace.lambda.push(event.state.ntkTopEigenvalues(1)[0]);
        trace.outcome = event.outcome;
      }),
      toArray(),
    ),
  );
  return arms;
}

describe('arms — validation (study-spec.ts arms:)', () => {
  it('validates each arm with its own contributions at arms.<name>, nested bases included', () => {
    const spec = { ...threeArms(3), arms: { quadratic: { use: 'quadratic', base: { ...net, width: -3 } }, 'lin-arm': { use: 'linearized', base: net } } };
    try {
      kernel.validate(spec);
      throw new Error('expected the study to be invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(StudySpecError);
      expect((error as StudySpecError).issues.map((issue) => issue.path)).toEqual(['arms.quadratic.base.width', 'arms.lin-arm']);
    }
  });
});

describe('arms — the same θ₀, f₀ and λ₀ for the network, its NQM and its linearized model (papers.md §1b)', () => {
  it('every arm starts from the network’s θ₀ (one rng stream), with the same outputs and λ₀, and one η', async () => {
    const first = await lastValueFrom(
      kernel.run(threeArms(3)).pipe(
        take(3),
        map((event) => ({
          arm: event.arm,
          step: event.step,
          params: Array.from(event.state.initialParams),
          outputs: Array.from(event.state.outputs),
          lambda0: event.state.lambda0!,
          lr: event.lr,
        })),
        toArray(),
      ),
    );
    expect(first.map((f) => `${f.step}:${f.arm}`)).toEqual(['0:model', '0:quadratic', '0:linearized']);
    const [network, ...wrappers] = first;
    for (const wrapper of wrappers) {
      // Equal parameter counts: the wrappers of one base lay their parameters out like the base.
      expect(wrapper.params.length).toBe(network.params.length);
      expect(wrapper.params).toEqual(network.params);
      wrapper.outputs.forEach((value, i) => expect(Math.abs(value - network.outputs[i])).toBeLessThan(1e-12));
      expect(Math.abs(wrapper.lambda0 / network.lambda0 - 1)).toBeLessThan(1e-10);
      expect(wrapper.lr).toBe(network.lr);
    }
    expect(network.lr * network.lambda0).toBeCloseTo(3, 12);
  });
});

describe('arms — Zhu et al. §6 target 5 on a small instance (papers.md §1b: f and f_quad catapult, f_lin diverges)', () => {
  it('at r = 3 the network and its NQM catapult (spike, then η·λ < 2, converged) while the linearized model diverges', async () => {
    const arms = await traceArms(threeArms(3));
    expect([...arms.keys()]).toEqual(['model', 'quadratic', 'linearized']);
    for (const name of ['model', 'quadratic']) {
      const { loss, lambda, lr, outcome } = arms.get(name)!;
      const peak = Math.max(...loss);
      // [measured] peak 22.8 (model) and 26.8 (quadratic) at step 6 from L₀ = 0.643; final 6e-11 and 2e-10.
      expect(peak).toBeGreaterThan(10 * loss[0]);
      expect(loss.indexOf(peak)).toBeGreaterThan(0);
      expect(loss.at(-1)!).toBeLessThan(1e-6 * loss[0]);
      expect(outcome).toBe('max-steps');
      // [measured] final η·λ = 1.03 (model), 0.90 (quadratic), from 3.
      expect(lr * lambda.at(-1)!).toBeLessThan(2);
    }
    const linearized = arms.get('linearized')!;
    // [measured] diverged (loss > 1e12) at step 23; its kernel never moves, so it cannot catapult.
    expect(linearized.outcome).toBe('diverged');
    expect(linearized.loss.length).toBeLessThan(60);
    expect(Math.abs(linearized.lambda.at(-1)! / linearized.lambda[0] - 1)).toBeLessThan(1e-9);
  });

  it('arm_distance: at r = 1.5 all three stay close on the eval data; at r = 3 the NQM ends ≈ 4× farther and f_lin runs away', async () => {
    const distances = async (r: number): Promise<MetricRecord[]> =>
      lastValueFrom(kernel.metrics(threeArms(r)).pipe(toArray())).then((records) => records.filter((record) => record.name === 'arm_distance'));
    const lazy = await distances(1.5);
    const last = (records: MetricRecord[], arm: string) => records.filter((record) => record.arm === arm).at(-1)!;
    expect(lazy.filter((record) => record.step === 0).map((record) => [record.arm, record.value])).toEqual([
      ['quadratic', 0],
      ['linearized', 0],
    ]);
    // [measured] 0.027 (quadratic) and 0.027 (linearized) at step 300, on outputs of size ~1 (labels ±1).
    for (const record of lazy) expect(record.value).toBeLessThan(0.05);
    expect(last(lazy, 'quadratic').step).toBe(300);
    const catapult = await distances(3);
    // [measured] 0.108 at step 300.
    expect(last(catapult, 'quadratic').value).toBeGreaterThan(2 * last(lazy, 'quadratic').value);
    expect(last(catapult, 'quadratic').value).toBeLessThan(0.5);
    // [measured] 1.4e6 at step 20, its last sample before it diverges.
    expect(last(catapult, 'linearized').value).toBeGreaterThan(1e3);
  });
});

describe('examples/catapult/studies/zhu-three-arms.yaml through the CLI', () => {
  it('writes per-arm summaries and arm-tagged metrics (csv with an arm column, jsonl with arm)', async () => {
    const file = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'catapult', 'studies', 'zhu-three-arms.yaml');
    const out = join(mkdtempSync(join(tmpdir(), 'tdlab-arms-')), 'run');
    const lines: string[] = [];
    const stdout = process.stdout.write;
    // The console sink of the study prints to stdout: keep the test output quiet.
    process.stdout.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
    let result: Awaited<ReturnType<typeof runCommand>>;
    try {
      result = await runCommand({ files: [file], out, log: () => {} });
    } finally {
      process.stdout.write = stdout;
    }
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(Object.fromEntries(Object.entries(summary.arms).map(([arm, own]) => [arm, (own as { outcome: string }).outcome]))).toEqual({
      model: 'max-steps',
      quadratic: 'max-steps',
      linearized: 'diverged',
    });
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').split('\n', 2)[1]).toMatch(/^zhu-three-arms-\w+,0,model,loss,,/);
    const jsonl = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(new Set(jsonl.map((record) => record.arm))).toEqual(new Set(['model', 'quadratic', 'linearized']));
    expect(lines.join('')).toMatch(/arm linearized +diverged/);
  });
});
