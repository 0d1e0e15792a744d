import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunSummary, runId } from '@tdlab/core';
import { asyncBufferFromFile, parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { executeRun } from './execute-run.js';
import { parseSummary, SweepDirectory } from './sweep-directory.js';
import { type SummaryRow, summaryCsv, summaryParquet } from './summary-table.js';
import type { PlannedRun, RunResult, SweepPlan } from './sweep-types.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'tdlab-sweep-dir-'));

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    run: 'r',
    name: 'n',
    outcome: 'converged',
    steps: 12,
    lossConvention: '½·Σ(f−y)²',
    initialLoss: 0.5,
    finalLoss: 1e-13,
    peakLoss: 0.5,
    peakStep: 0,
    lambda0: 2,
    finalLambda: 1.99,
    lr: 0.25,
    normalizedLr: 0.5,
    finalNormalizedLr: 0.4975,
    weightNormRatio: 1,
    wallSeconds: 0.01,
    ...overrides,
  };
}

function result(id: string, extra: Record<string, string> = {}): RunResult {
  return { id, summary: summary({ run: id }), files: { 'spec.json': '{}\n', 'metrics.jsonl': '', 'summary.json': `${JSON.stringify(summary({ run: id }))}\n`, ...extra } };
}

function plan(ids: string[]): SweepPlan {
  return { name: 'p', baseDir: '.', axes: ['seed'], runs: ids.map((id, seed) => ({ id, spec: { seed }, axes: { seed } })) };
}

describe('SweepDirectory', () => {
  it('stores a run exactly once under concurrent store calls, atomically, leaving no temporary directory', async () => {
    const directory = new SweepDirectory(tempDir());
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => directory.store(result('run-a', { 'extra.txt': `copy ${i}` }))));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const winner = outcomes.indexOf(true);
    expect(readFileSync(join(directory.runDir('run-a'), 'extra.txt'), 'utf8')).toBe(`copy ${winner}`);
    expect(readdirSync(directory.runsDir)).toEqual(['run-a']);
    expect(directory.isFinished('run-a')).toBe(true);
    // Later stores of a finished run are discarded too.
    expect(await directory.store(result('run-a'))).toBe(false);
    expect(readFileSync(join(directory.runDir('run-a'), 'extra.txt'), 'utf8')).toBe(`copy ${winner}`);
  });

  it('a partial run directory (no summary.json) is not a run: store replaces it', async () => {
    const directory = new SweepDirectory(tempDir());
    mkdirSync(directory.runDir('run-b'), { recursive: true });
    writeFileSync(join(directory.runDir('run-b'), 'metrics.jsonl'), '{"partial":true}\n');
    expect(await directory.store(result('run-b'))).toBe(true);
    expect(readFileSync(join(directory.runDir('run-b'), 'metrics.jsonl'), 'utf8')).toBe('');
  });

  it('prepare writes plan.json and returns the unfinished runs once each, removing partial and temporary directories', async () => {
    const directory = new SweepDirectory(tempDir());
    await directory.store(result('done'));
    mkdirSync(directory.runDir('partial'), { recursive: true });
    writeFileSync(join(directory.runDir('partial'), 'spec.json'), '{}');
    mkdirSync(join(directory.runsDir, '.todo.tmp-abc'), { recursive: true });
    const pending = await directory.prepare(plan(['done', 'partial', 'todo', 'todo']));
    expect(pending.map((run) => run.id)).toEqual(['partial', 'todo']);
    expect(existsSync(directory.runDir('partial'))).toBe(false);
    expect(readdirSync(directory.runsDir)).toEqual(['done']);
    expect(JSON.parse(readFileSync(directory.path('plan.json'), 'utf8')).runs).toHaveLength(4);
  });

  it('rejects ids and file names that would leave the runs directory', async () => {
    const directory = new SweepDirectory(tempDir());
    await expect(directory.store(result('../evil'))).rejects.toThrow(/not a run id/);
    await expect(directory.store(result('ok', { '../../x': 'x' }))).rejects.toThrow(/outside its run directory/);
    expect(existsSync(directory.runDir('ok'))).toBe(false);
  });

  it('stores what executeRun returns; readSummary restores non-finite numbers', async () => {
    const spec = {
      name: 'uv-div',
      seed: 0,
      data: { use: 'single-example', x: [1], y: 0 },
      model: { use: 'uv', width: 100 },
      loss: { use: 'mse', reduction: 'sum', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: { normalized: 6 } },
      steps: 2000,
    };
    const run: PlannedRun = { id: runId(spec.name, spec), spec, axes: {} };
    const directory = new SweepDirectory(tempDir());
    expect(await directory.store(await executeRun(run, '.'))).toBe(true);
    const stored = await directory.readSummary(run.id);
    expect(stored.outcome).toBe('diverged');
    expect(stored.run).toBe(run.id);
    expect(typeof stored.finalLoss).toBe('number');
    expect(parseSummary('{"run":"NaN","peakLoss":"Infinity","finalLoss":"NaN","lambda0":"-Infinity"}')).toEqual({
      run: 'NaN',
      peakLoss: Number.POSITIVE_INFINITY,
      finalLoss: Number.NaN,
      lambda0: Number.NEGATIVE_INFINITY,
    });
  });
});

describe('summary table', () => {
  const axes = ['schedule.lr.normalized', 'model.width', 'label'];
  const rows: SummaryRow[] = [
    { id: 'a', axes: { 'schedule.lr.normalized': 0.5, 'model.width': 100, label: 'plain' }, summary: summary() },
    {
      id: 'b',
      axes: { 'schedule.lr.normalized': 4.5, 'model.width': 1000, label: 'with, comma and "quotes"\nand a newline' },
      summary: summary({ outcome: 'diverged', steps: 17, peakLoss: Number.POSITIVE_INFINITY, finalLoss: Number.NaN, finalLambda: Number.NEGATIVE_INFINITY, peakStep: 16 }),
    },
  ];

  it('CSV: header (id, axes by path, summary fields), RFC 4180 quoting, NaN and Infinity as text', () => {
    const csv = summaryCsv(rows, axes);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'id,schedule.lr.normalized,model.width,label,outcome,steps,initialLoss,peakLoss,peakStep,finalLoss,lambda0,finalLambda,lr,normalizedLr,finalNormalizedLr,weightNormRatio,wallSeconds',
    );
    expect(lines[1]).toBe('a,0.5,100,plain,converged,12,0.5,0.5,0,1e-13,2,1.99,0.25,0.5,0.4975,1,0.01');
    expect(csv).toContain('b,4.5,1000,"with, comma and ""quotes""\nand a newline",diverged,17,0.5,Infinity,16,NaN,2,-Infinity,');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('Parquet: read back with hyparquet (a reader, not the writer): columns, types and values, NaN and Infinity kept', async () => {
    const dir = tempDir();
    const path = join(dir, 'summary.parquet');
    writeFileSync(path, summaryParquet(rows, axes));
    const file = await asyncBufferFromFile(path);
    const read = await parquetReadObjects({ file });
    expect(read).toHaveLength(2);
    expect(Object.keys(read[0])).toEqual(['id', ...axes, 'outcome', 'steps', 'initialLoss', 'peakLoss', 'peakStep', 'finalLoss', 'lambda0', 'finalLambda', 'lr', 'normalizedLr', 'finalNormalizedLr', 'weightNormRatio', 'wallSeconds']);
    expect(read[0]).toMatchObject({ id: 'a', 'schedule.lr.normalized': 0.5, 'model.width': 100, label: 'plain', outcome: 'converged', steps: 12, finalLoss: 1e-13, lambda0: 2 });
    expect(read[1].label).toBe(rows[1].axes.label);
    expect(read[1].peakLoss).toBe(Number.POSITIVE_INFINITY);
    expect(read[1].finalLoss).toBeNaN();
    expect(read[1].finalLambda).toBe(Number.NEGATIVE_INFINITY);
    const bytes = readFileSync(path);
    const schema = parquetSchema(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer));
    const types = Object.fromEntries(schema.children.map((child) => [child.element.name, child.element.type]));
    expect(types).toMatchObject({ id: 'BYTE_ARRAY', 'schedule.lr.normalized': 'DOUBLE', 'model.width': 'INT32', steps: 'INT32', peakLoss: 'DOUBLE' });
    rmSync(dir, { recursive: true, force: true });
  });
});
