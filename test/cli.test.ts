import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@tdlab/cli';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const studies = join(root, 'examples', 'catapult', 'studies');

function capture(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tdlab-cli-'));
}

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('tdlab CLI', () => {
  it('run writes a run directory: resolved spec, metrics, summary', async () => {
    const out = join(tempDir(), 'run');
    const { log } = capture();
    const study = join(tempDir(), 'small.yaml');
    writeFileSync(
      study,
      [
        'name: small-uv',
        'seed: 3',
        'data: { use: single-example, x: [1], y: 0 }',
        'model: { use: uv, width: 200 }',
        'loss: { use: mse, reduction: sum, half: true }',
        'optimizer: { use: gd }',
        'schedule: { use: constant, lr: { normalized: 3 } }',
        'steps: 100',
        'probes: [{ use: loss }, { use: ntk-top-eigenvalue }]',
      ].join('\n'),
    );
    expect(await main(['run', study, '--out', out], log)).toBe(0);
    const spec = JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8'));
    expect(spec.model).toEqual({ use: 'uv', width: 200 });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('max-steps');
    expect(summary.normalizedLr).toBeCloseTo(3, 10);
    expect(summary.lossConvention).toBe('½·Σ(f−y)²');
    const metrics = readJsonl(join(out, 'metrics.jsonl'));
    expect(metrics.filter((record) => record.name === 'loss')).toHaveLength(101);
    expect(metrics.filter((record) => record.name === 'ntk_lambda')).toHaveLength(101);
  });

  it('validate accepts the example studies', async () => {
    const { lines, log } = capture();
    const files = ['uv-lazy', 'uv-catapult', 'uv-divergent', 'two-layer-lazy', 'two-layer-catapult'].map((name) => join(studies, `${name}.yaml`));
    expect(await main(['validate', ...files], log)).toBe(0);
    expect(lines).toHaveLength(5);
  });

  it('validate rejects a bad study with exit code 2, naming field, value and expectation', async () => {
    const study = join(tempDir(), 'bad.yaml');
    writeFileSync(
      study,
      [
        'name: bad',
        'seed: 0',
        'data: { use: single-example }',
        'model: { use: two-layer, width: -3 }',
        'loss: { use: mse, reduction: sum, half: true }',
        'optimizer: { use: gd }',
        'schedule: { use: constant, lr: { normalized: 3 } }',
        'steps: 10',
      ].join('\n'),
    );
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(['validate', study], () => {})).toBe(2);
      expect(await main(['run', study], () => {})).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toContain('model.width: must be positive (was -3)');
  });

  it('plugins lists every contribution with its options', async () => {
    const { lines, log } = capture();
    expect(await main(['plugins'], log)).toBe(0);
    const text = lines.join('\n');
    for (const id of ['uv', 'two-layer', 'gd', 'sgd', 'constant', 'ntk-top-eigenvalue', 'weight-norm', 'normalized-lr', 'console', 'jsonl', 'csv', 'single-example', 'gaussian-teacher', 'sign-teacher', 'two-clusters', 'from-file', 'mse']) {
      expect(text).toMatch(new RegExp(`^  ${id}  — `, 'm'));
    }
    expect(text).toContain('@tdlab/plugin-models@0.1.0');
  });

  it('Ctrl-C flushes and closes every sink, writes the summary and exits 130', async () => {
    const dir = tempDir();
    const study = join(dir, 'long.yaml');
    writeFileSync(
      study,
      [
        'name: long',
        'seed: 0',
        'data: { use: sign-teacher, n: 16, d: 10 }',
        'model: { use: two-layer, width: 256 }',
        'loss: { use: mse, reduction: mean, half: true }',
        'optimizer: { use: gd }',
        'schedule: { use: constant, lr: { normalized: 1 } }',
        'steps: 100000000',
        'probes: [{ use: loss }]',
        'sinks: [{ use: csv, path: metrics.csv }]',
      ].join('\n'),
    );
    const out = join(dir, 'run');
    const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), 'run', study, '--out', out], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Wait until training is under way (the run directory has its spec), then interrupt.
    const started = Date.now();
    while (!existsSync(join(out, 'spec.json')) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(stderr).toBe('');
    expect(code).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('cancelled');
    const jsonl = readJsonl(join(out, 'metrics.jsonl'));
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trimEnd().split('\n');
    expect(jsonl.length).toBeGreaterThan(0);
    // Every record reached both sinks, whole lines only.
    expect(csv.length - 1).toBe(jsonl.length);
    expect(jsonl.at(-1)!.step).toBe(summary.steps);
  });
});
