import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { definePlugin, defineProbe, ProbeContribution, sampledProbe, Tdlab } from '@tdlab/core';
import { type } from 'arktype';
import { ContainerModule } from 'inversify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bindTrainingParts, removeTempDirs, tempDir } from '../test/support.js';
import sinksPlugin from './index.js';

const testPlugin = definePlugin({
  name: 'sinks-e2e-test-plugin',
  version: '1.0.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bindTrainingParts(bind);
    bind(ProbeContribution).toConstantValue(
      defineProbe({
        id: 'odd-values',
        description: 'the loss, and the three non-finite values on the last step',
        options: type({}),
        create: (_o, context) =>
          sampledProbe(context.every, (event, emit) => {
            emit('loss', event.loss);
            if (event.outcome === undefined) return;
            emit('odd', Number.NaN, 0);
            emit('odd', Number.POSITIVE_INFINITY, 1);
            emit('odd', Number.NEGATIVE_INFINITY, 2);
          }),
      }),
    );
  }),
});

afterAll(removeTempDirs);

describe('the sinks in a real run of the core', () => {
  it('validate with their options and write their files into the run directory', async () => {
    const outDir = await tempDir();
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let summary;
    let printed = '';
    try {
      summary = await tdlab.execute(
        {
          name: 'sinks-e2e',
          seed: 0,
          data: { use: 'two-points' },
          model: { use: 'linear' },
          loss: { use: 'mse', reduction: 'sum', half: true },
          optimizer: { use: 'gd' },
          schedule: { use: 'constant', lr: { normalized: 1.5 } },
          steps: 20,
          probes: [{ use: 'odd-values', every: 10 }],
          sinks: [{ use: 'jsonl' }, { use: 'csv', path: 'tables/metrics.csv' }, { use: 'console', metrics: ['loss'] }],
        },
        { outDir },
      );
    } finally {
      printed = stdout.mock.calls.map(([chunk]) => String(chunk)).join('');
      stdout.mockRestore();
    }
    expect(summary.outcome).toBe('max-steps');
    expect(printed).toMatch(/outcome\s+max-steps/);
    expect(printed).toMatch(/r = η·λ₀\s+1\.5/);

    const jsonl = (await readFile(join(outDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: number; name: string; index?: number; value: unknown });
    expect(jsonl.map((r) => [r.step, r.name])).toEqual([
      [0, 'loss'],
      [10, 'loss'],
      [20, 'loss'],
      [20, 'odd'],
      [20, 'odd'],
      [20, 'odd'],
    ]);
    // x = (1, 0), (0, 2), θ₀ = 1: f = (1, 2), loss ½(1 + 4).
    expect(jsonl[0].value).toBe(2.5);
    expect(jsonl.slice(3).map((r) => [r.index, r.value])).toEqual([
      [0, 'NaN'],
      [1, 'Infinity'],
      [2, '-Infinity'],
    ]);

    const csv = (await readFile(join(outDir, 'tables', 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('run,step,name,index,value');
    expect(csv.slice(4).map((line) => line.split(',').slice(1))).toEqual([
      ['20', 'odd', '0', 'NaN'],
      ['20', 'odd', '1', 'Infinity'],
      ['20', 'odd', '2', '-Infinity'],
    ]);
  });

  it('rejects an unknown sink option, naming it', () => {
    const tdlab = new Tdlab([testPlugin, sinksPlugin]);
    expect(() =>
      tdlab.validate({
        name: 'bad',
        seed: 0,
        data: { use: 'two-points' },
        model: { use: 'linear' },
        loss: { use: 'mse', reduction: 'sum', half: true },
        optimizer: { use: 'gd' },
        schedule: { use: 'constant', lr: 0.1 },
        steps: 1,
        sinks: [{ use: 'jsonl', file: 'x.jsonl' }],
      }),
    ).toThrow(/file/);
  });
});
