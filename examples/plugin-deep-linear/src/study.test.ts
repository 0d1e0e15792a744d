import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * Runs studies/deep-linear.yaml through the real CLI, in a process of its own started from the
 * repository root exactly as `pnpm tdlab run examples/plugin-deep-linear/studies/deep-linear.yaml`
 * does: the CLI finds '@tdlab/example-plugin-deep-linear' (named in the study's `plugins:`) from the
 * study's folder, not from its own dependencies.
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const study = join(here, '..', 'studies', 'deep-linear.yaml');
const dir = mkdtempSync(join(tmpdir(), 'tdlab-deep-linear-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Record {
  step: number;
  name: string;
  value: number;
}

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('studies/deep-linear.yaml through the tdlab CLI', () => {
  it('loads the plugin by package name, trains the deep linear net and emits gradient_noise_scale', async () => {
    const out = join(dir, 'run');
    const { code, stdout, stderr } = await runCli(['run', study, '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('gradient_noise_scale');

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('max-steps');
    expect(summary.steps).toBe(200);
    expect(summary.finalLoss).toBeLessThan(summary.initialLoss / 100);

    const records: Record[] = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const series = (name: string) => records.filter((record) => record.name === name);
    const noiseScale = series('gradient_noise_scale');
    const trace = series('gradient_noise_trace');
    const norm = series('mean_gradient_sq_norm');
    // every: 20 over 200 steps: steps 0, 20, …, 200.
    expect(noiseScale.map((record) => record.step)).toEqual(Array.from({ length: 11 }, (_, k) => 20 * k));
    for (const [k, record] of noiseScale.entries()) {
      expect(Number.isFinite(record.value) && record.value > 0).toBe(true);
      expect(trace[k].step).toBe(record.step);
      expect(Math.abs(record.value - trace[k].value / norm[k].value)).toBeLessThanOrEqual(1e-12 * record.value);
    }
    // Near the minimum the mean gradient vanishes while the per-example gradients (the residual noise
    // times ∇f) do not: B_simple grows by orders of magnitude as the net converges.
    expect(noiseScale.at(-1)!.value).toBeGreaterThan(1e3 * noiseScale[0].value);
    expect(norm.at(-1)!.value).toBeLessThan(1e-6 * norm[0].value);
  });

  it('`tdlab validate` accepts the study (the plugin contributes deep-linear and gradient-noise-scale)', async () => {
    const { code, stderr } = await runCli(['validate', study]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
