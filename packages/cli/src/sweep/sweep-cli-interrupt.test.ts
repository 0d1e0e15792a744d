import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

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

describe('tdlab sweep (real CLI): Ctrl-C', () => {
  it('cancels the running runs in their threads, keeps the finished ones, stores nothing partial and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-sweep-int-'));
    const file = join(dir, 'long.yaml');
    writeFileSync(
      file,
      [
        'name: long-sweep',
        'seed: 0',
        'data: { use: single-example, x: [1], y: 0 }',
        'model: { use: uv, width: 100 }',
        'loss: { use: mse, reduction: sum, half: true }',
        'optimizer: { use: gd }',
        'schedule: { use: constant, lr: { normalized: 1 } }',
        'steps: 100000000',
        'stop: { lossBelow: 1.0e-12 }',
        'probes: [{ use: loss }]',
        // r = 1 converges in a few steps; r = 10⁻⁶ and 2·10⁻⁶ would run for many minutes.
        'sweep: { zip: { schedule.lr.normalized: [1, 0.000001, 0.000002, 1.5], seed: [0, 1, 2, 3] } }',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const runs = join(out, 'runs');
    const result = await tdlab(['sweep', file, '--out', out, '--workers', '2'], (kill) => {
      const poll = setInterval(() => {
        if (existsSync(runs) && readdirSync(runs).some((name) => !name.startsWith('.'))) {
          clearInterval(poll);
          setTimeout(() => kill('SIGINT'), 300);
        }
      }, 50);
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('interrupted: 1 of 4 runs finished');
    const stored = readdirSync(runs);
    expect(stored).toHaveLength(1);
    expect(existsSync(join(runs, stored[0], 'summary.json'))).toBe(true);
    expect(existsSync(join(out, 'summary.csv'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
