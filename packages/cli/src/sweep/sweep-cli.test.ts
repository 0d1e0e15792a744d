import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const example = join(root, 'examples', 'sweeps', 'uv-phase-diagram.yaml');

/** The real CLI from the sources, as `pnpm tdlab` runs it (worker threads inherit its execArgv). */
function tdlab(args: string[], whileRunning?: (kill: (signal: NodeJS.Signals) => void) => void): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  whileRunning?.((signal) => child.kill(signal));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 })));
}

type Row = Record<string, number | string>;

describe('tdlab sweep (real CLI, worker threads): the uv phase diagram of papers.md §1a', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tdlab-sweep-cli-'));
  const out = join(dir, 'uv');
  let first: Awaited<ReturnType<typeof tdlab>>;
  let rows: Row[];

  beforeAll(async () => {
    first = await tdlab(['sweep', example, '--out', out, '--workers', '2']);
    rows = (await parquetReadObjects({ file: await asyncBufferFromFile(join(out, 'summary.parquet')) })) as Row[];
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs all 60 runs on 2 worker threads and writes the sweep directory', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('60 runs over schedule.lr.normalized, model.width, seed; 0 finished before, 60 to run');
    expect(first.stdout).toContain('local executor: 2 worker threads');
    // Not a terminal: one plain progress line per run.
    expect(first.stdout.match(/^\[\s*\d+\/60\] /gm)).toHaveLength(60);
    expect(readdirSync(join(out, 'runs'))).toHaveLength(60);
    for (const name of ['plan.json', 'summary.csv', 'summary.parquet', 'phase-diagram.svg', 'phase-diagram.png']) expect(existsSync(join(out, name))).toBe(true);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(61);
    expect(rows).toHaveLength(60);
    expect(readFileSync(join(out, 'phase-diagram.svg'), 'utf8')).toContain('<svg');
    // The diagram is printed too.
    expect(first.stdout).toContain('phase (x: schedule.lr.normalized, y: model.width');
  });

  it('r < 2 is lazy: the loss never rises above L₀ (within 1%) and λ stays at λ₀, for all widths and seeds', () => {
    const lazy = rows.filter((row) => (row['schedule.lr.normalized'] as number) < 2);
    expect(lazy).toHaveLength(18);
    for (const row of lazy) {
      expect(row.outcome).toBe('converged');
      expect((row.peakLoss as number) / (row.initialLoss as number)).toBeLessThanOrEqual(1.01);
      expect(Math.abs((row.finalLambda as number) / (row.lambda0 as number) - 1)).toBeLessThan(0.02);
    }
  });

  it('2 < r < 4 catapults: the loss spikes above L₀, then converges with η·λ_final < 2', () => {
    const catapult = rows.filter((row) => (row['schedule.lr.normalized'] as number) > 2 && (row['schedule.lr.normalized'] as number) < 4);
    expect(catapult).toHaveLength(18);
    for (const row of catapult) {
      expect(row.outcome).toBe('converged');
      expect(row.peakLoss as number).toBeGreaterThan(10 * (row.initialLoss as number));
      expect(row.peakStep as number).toBeGreaterThan(0);
      expect(row.finalLoss as number).toBeLessThan(1e-10);
      expect(row.finalNormalizedLr as number).toBeLessThan(2);
      expect(row.finalLambda as number).toBeLessThan(row.lambda0 as number);
    }
  });

  it('r ≥ 4.5 diverges, for all widths and seeds', () => {
    const divergent = rows.filter((row) => (row['schedule.lr.normalized'] as number) >= 4.5);
    expect(divergent).toHaveLength(12);
    for (const row of divergent) expect(row.outcome).toBe('diverged');
  });
});
