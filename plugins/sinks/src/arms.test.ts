import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricRecord } from '@tdlab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CapturedOutput, record, removeTempDirs, sinkContext, stepEvent, summary, tempDir } from '../test/support.js';
import { ConsoleSink, summaryBlock } from './console-sink.js';
import { csvSink } from './csv-sink.js';
import { jsonlSink } from './jsonl-sink.js';

afterAll(removeTempDirs);

/* A study with `arms:` (core: study-spec.ts): records and events carry `arm`, the run info names the arms. */
const arms = ['model', 'quadratic', 'linearized'];
const info = (dir: string | undefined) => ({ run: 'run-1', name: 'zhu', totalSteps: 10, outDir: dir, arms });
const armed = (step: number, arm: string, name: string, value: number, index?: number): MetricRecord => ({ ...record(step, name, value, index), arm });

describe('sinks in a study with arms', () => {
  it('jsonl writes the arm after the step', async () => {
    const dir = await tempDir();
    const sink = jsonlSink.create(jsonlSink.options.assert({}), sinkContext(dir));
    await sink.open?.(info(dir));
    sink.write(armed(0, 'quadratic', 'arm_distance', 0.25));
    sink.write(armed(0, 'model', 'ntk_eigenvalues', 3, 1));
    await sink.close?.(summary());
    expect(await readFile(join(dir, 'metrics.jsonl'), 'utf8')).toBe(
      '{"run":"run-1","step":0,"arm":"quadratic","name":"arm_distance","value":0.25}\n' +
        '{"run":"run-1","step":0,"arm":"model","name":"ntk_eigenvalues","index":1,"value":3}\n',
    );
  });

  it('csv has an arm column only when the study has arms', async () => {
    const dir = await tempDir();
    const sink = csvSink.create(csvSink.options.assert({}), sinkContext(dir));
    await sink.open?.(info(dir));
    sink.write(armed(3, 'linearized', 'loss', 1.5));
    sink.write(armed(3, 'model', 'ntk_eigenvalues', 2, 0));
    await sink.close?.(summary());
    expect((await readFile(join(dir, 'metrics.csv'), 'utf8')).split('\n')).toEqual([
      'run,step,arm,name,index,value',
      'run-1,3,linearized,loss,,1.5',
      'run-1,3,model,ntk_eigenvalues,0,2',
      '',
    ]);
    const plainDir = await tempDir();
    const plain = csvSink.create(csvSink.options.assert({}), sinkContext(plainDir));
    await plain.open?.({ run: 'run-1', name: 'plain', totalSteps: 1, outDir: plainDir });
    plain.write(record(0, 'loss', 1));
    await plain.close?.(summary());
    expect(await readFile(join(plainDir, 'metrics.csv'), 'utf8')).toBe('run,step,name,index,value\nrun-1,0,loss,,1\n');
  });

  it('console shows one line per step with every arm’s loss (an arm that stopped shows how) and the metrics per arm', () => {
    const out = new CapturedOutput(false);
    const sink = new ConsoleSink({ refreshMilliseconds: 200, metrics: ['arm_distance'] }, out, () => 0);
    sink.open(info(undefined));
    sink.write(armed(0, 'quadratic', 'arm_distance', 0));
    for (const arm of arms) sink.progress({ ...stepEvent(0, 10), arm });
    // Step 4: the linearized arm diverges; later lines show it as diverged, not its last loss.
    sink.progress({ ...stepEvent(4, 10, { loss: 0.5 }), arm: 'model' });
    sink.progress({ ...stepEvent(4, 10, { loss: 0.25 }), arm: 'quadratic' });
    sink.write(armed(4, 'linearized', 'arm_distance', 1e6));
    sink.progress({ ...stepEvent(4, 10, { loss: 1e13, outcome: 'diverged' }), arm: 'linearized' });
    sink.progress({ ...stepEvent(10, 10, { loss: 0.125, outcome: 'max-steps' }), arm: 'model' });
    sink.progress({ ...stepEvent(10, 10, { loss: 0.0625, outcome: 'max-steps' }), arm: 'quadratic' });
    const lines = out.text.split('\n');
    expect(lines[1]).toBe('[....................]  0/10  loss model 1 quadratic 1 linearized 1  lr 0.75  arm_distance@quadratic 0');
    // The line of step 4 is shown because an arm stopped; the run's outcome waits for the last arm.
    expect(lines[2]).toBe(
      '[########............]  4/10  loss model 0.5 quadratic 0.25 linearized diverged  lr 0.75  arm_distance@quadratic 0  arm_distance@linearized 1e6',
    );
    expect(lines[3]).toMatch(/^\[#{20}\] 10\/10 {2}max-steps {2}loss model 0\.125 quadratic 0\.0625 linearized diverged /);
  });

  it('the summary block adds one row per arm', () => {
    const own = { ...summary(), outcome: 'diverged' as const, steps: 23, peakStep: 23, peakLoss: 2e12, finalLoss: 2e12, finalNormalizedLr: Number.NaN };
    const block = summaryBlock(summary({ arms: { model: summary(), linearized: own } }));
    expect(block).toContain('  arm model          converged  loss initial 0.8712  peak 185.4 (step 4)  final 3.2e-11  λ₀ 2.012  final η·λ 0.184\n');
    expect(block).toContain('  arm linearized     diverged  loss initial 0.8712  peak 2e12 (step 23)  final 2e12  λ₀ 2.012  final η·λ NaN\n');
  });
});
