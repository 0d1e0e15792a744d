import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../run-command.js';
import { executeRun, isRunCancelled } from '../sweep/execute-run.js';
import { sweepCommand } from '../sweep/sweep-command.js';
import type { ExecutorProgress, PlannedRun, SweepExecutor, SweepPlan } from '../sweep/sweep-types.js';
import { reportCommand } from './report-command.js';
import { parseMetrics } from './run-metrics.js';
import { runFigures } from './run-figures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A decoded PNG as RGBA rows, and how many of its pixels in a box are not (near) white. */
function png(path: string) {
  const image = decode(readFileSync(path));
  const channels = image.channels;
  const darkIn = (x0: number, y0: number, x1: number, y1: number, threshold = 200): number => {
    let count = 0;
    for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
        const i = (y * image.width + x) * channels;
        if (image.data[i] < threshold || image.data[i + 1] < threshold || image.data[i + 2] < threshold) count++;
      }
    }
    return count;
  };
  /** Pixels of the curve's blue (#1f5fa8; gray text, grid and axes have r ≈ g ≈ b). */
  const blue = (): number => {
    let count = 0;
    for (let i = 0; i < image.width * image.height; i++) {
      const [r, g, b] = [image.data[i * channels], image.data[i * channels + 1], image.data[i * channels + 2]];
      if (b - r > 80 && b - g > 30) count++;
    }
    return count;
  };
  return { width: image.width, height: image.height, darkIn, blue };
}

/** Runs sweep runs in this process, one at a time (no worker threads under vitest). */
class InProcessExecutor implements SweepExecutor {
  async execute(plan: SweepPlan, runs: readonly PlannedRun[], progress: ExecutorProgress, signal?: AbortSignal): Promise<void> {
    for (const run of runs) {
      try {
        await progress.finished(await executeRun(run, plan.baseDir, signal));
      } catch (error) {
        if (!isRunCancelled(error)) progress.failed?.(run, String(error));
      }
    }
  }
}

function studyLines(steps: number): string[] {
  return [
    'seed: 0',
    'data: { use: single-example, x: [1], y: 0 }',
    'model: { use: uv, width: 100 }',
    'loss: { use: mse, reduction: sum, half: true }',
    'optimizer: { use: gd }',
    'schedule: { use: constant, lr: { normalized: 3 } }',
    `steps: ${steps}`,
    'stop: { lossBelow: 1.0e-12, lossAbove: 1.0e+8 }',
  ];
}

describe('tdlab report of a run directory', () => {
  let dir: string;
  let runDir: string;
  let out: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tdlab-report-run-'));
    const file = join(dir, 'uv.yaml');
    writeFileSync(
      file,
      [
        'name: uv-report',
        ...studyLines(80),
        'probes: [{ use: loss }, { use: normalized-lr }, { use: weight-norm }, { use: ntk-top-eigenvalue }]',
      ].join('\n'),
    );
    runDir = join(dir, 'run');
    const result = await runCommand({ files: [file], out: runDir, log: () => {} });
    expect(result.exitCode).toBe(0);
    out = join(dir, 'report');
    const lines: string[] = [];
    const report = await reportCommand({ dir: runDir, out, log: (line) => lines.push(line) });
    expect(report.kind).toBe('run');
    expect(lines[0]).toMatch(/^run report: .*index\.html \(4 figures, [\d.]+ s\)$/);
  }, 60_000);

  it('writes a self-contained index.html with every figure inlined as SVG, the summary and the spec', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const id of ['loss', 'normalized-lr', 'weight-norm', 'metric-ntk_lambda']) {
      expect(html).toContain(`<figure id="${id}">`);
      expect(html).toContain(`<a href="${id}.png">PNG</a>`);
      // The SVG written beside the page is the one inlined.
      expect(html).toContain(readFileSync(join(out, `${id}.svg`), 'utf8').replace(/^\s*<\?xml[^>]*>\s*/, ''));
    }
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<link|@import|src=/i);
    expect(html).toContain('<span class="catapult">');
    for (const field of ['outcome', 'initial loss', 'peak loss', 'final loss', 'λ₀ (top NTK eigenvalue)', 'final η·λ', 'wall time']) expect(html).toContain(`<th>${field}</th>`);
    expect(html).toContain('&quot;use&quot;: &quot;uv&quot;'); // the spec, pretty JSON
    expect(readdirSync(out).sort()).toEqual(
      ['index.html', ...['loss', 'metric-ntk_lambda', 'normalized-lr', 'weight-norm'].flatMap((id) => [`${id}.png`, `${id}.svg`])].sort(),
    );
  });

  it('draws η·λ_t with dashed rules at 2 and 4 in its own scale', () => {
    const svg = readFileSync(join(out, 'normalized-lr.svg'), 'utf8');
    expect(svg).toContain('η·λ = 2');
    expect(svg).toContain('η·λ = 4');
    expect(svg.match(/stroke-dasharray="6,4"/g)?.length).toBe(2);
    expect(svg).toContain('font-family="DejaVu Sans"');
  });

  it('writes PNGs that decode, at 2× with text and curves drawn', () => {
    for (const id of ['loss', 'normalized-lr', 'weight-norm', 'metric-ntk_lambda']) {
      const image = png(join(out, `${id}.png`));
      expect(image.width).toBeGreaterThan(1200);
      expect(image.width).toBeLessThan(2000);
      expect(image.height).toBeGreaterThan(500);
      expect(image.height).toBeLessThan(900);
      // The title (top left) is text: resvg drew glyphs with the bundled font.
      expect(image.darkIn(0, 0, 400, 50)).toBeGreaterThan(200);
      // The curve is drawn: blue pixels (a 1.6-unit line at 2× over ~1280 pixels of plot width).
      expect(image.blue()).toBeGreaterThan(1500);
      // Axis labels and titles outside the plot area: text at the left (y axis) and bottom (x axis).
      expect(image.darkIn(0, 80, 150, image.height - 80)).toBeGreaterThan(200);
      expect(image.darkIn(150, image.height - 70, image.width, image.height)).toBeGreaterThan(200);
    }
  });
});

describe('tdlab report of a sweep directory', () => {
  let sweepDir: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-report-sweep-'));
    const file = join(dir, 'sweep.yaml');
    writeFileSync(
      file,
      ['name: uv-report-sweep', ...studyLines(150), 'probes: [{ use: loss }]', 'sweep: { grid: { schedule.lr.normalized: [1, 3, 5] } }'].join('\n'),
    );
    sweepDir = join(dir, 'sweep');
    expect(await sweepCommand({ file, out: sweepDir, executor: new InProcessExecutor(), log: () => {} })).toBe(0);
  }, 60_000);

  it('shows the phase diagram and the summary table, each run linked to its directory', async () => {
    const result = await reportCommand({ dir: sweepDir, log: () => {} });
    expect(result.kind).toBe('sweep');
    const out = join(sweepDir, 'report');
    expect(result.index).toBe(join(out, 'index.html'));
    const html = readFileSync(result.index, 'utf8');
    expect(html).toContain('<figure id="phase-diagram">');
    expect(html).toContain(readFileSync(join(sweepDir, 'phase-diagram.svg'), 'utf8').trim().slice(0, 200));
    expect(html).toContain('<th>schedule.lr.normalized</th>');
    expect(html.match(/<a href="\.\.\/runs\/[^"]+\/">/g)).toHaveLength(3);
    expect(html).toContain('<th>outcome</th><th>phase</th>');
    for (const phase of ['lazy', 'catapult', 'diverged']) expect(html).toContain(`<span class="${phase}">${phase}</span>`);
    expect(readFileSync(join(out, 'phase-diagram.png')).equals(readFileSync(join(sweepDir, 'phase-diagram.png')))).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/i);
  });

  it('re-renders the phase diagram when the sweep directory has none', async () => {
    rmSync(join(sweepDir, 'phase-diagram.svg'));
    rmSync(join(sweepDir, 'phase-diagram.png'));
    const out = join(sweepDir, 'report-again');
    await reportCommand({ dir: sweepDir, out, log: () => {} });
    const image = png(join(out, 'phase-diagram.png'));
    expect(image.width).toBeGreaterThan(200);
    expect(image.darkIn(0, 0, image.width, image.height)).toBeGreaterThan(500);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<figure id="phase-diagram">');
  });
});

describe('run figures', () => {
  it('derives η·λ from lr × ntk_lambda, draws arms as series and caps vector metrics', () => {
    const lines = [];
    for (let step = 0; step < 3; step++) {
      for (const arm of ['model', 'linearized']) {
        lines.push({ run: 'r', arm, step, name: 'lr', value: 0.5 }, { run: 'r', arm, step, name: 'ntk_lambda', value: 6 - step });
        for (let index = 0; index < 10; index++) lines.push({ run: 'r', arm, step, name: 'ntk_top_k', value: index + step, index });
      }
    }
    lines.push({ run: 'r', arm: 'model', step: 3, name: 'loss', value: 'NaN' });
    const figures = runFigures(parseMetrics(lines.map((line) => JSON.stringify(line)).join('\n')));
    expect(figures.map((figure) => figure.id)).toEqual(['loss', 'normalized-lr', 'metric-lr', 'metric-ntk_lambda', 'metric-ntk_top_k']);
    const normalized = figures[1];
    expect(normalized.series.map((series) => series.label)).toEqual(['model', 'linearized']);
    expect(normalized.series[0].points.map((point) => point.value)).toEqual([3, 2.5, 2]);
    expect(normalized.rules?.map((rule) => rule.value)).toEqual([2, 4]);
    expect(normalized.note).toContain('lr × ntk_lambda');
    const vector = figures[4];
    expect(vector.series).toHaveLength(16);
    expect(vector.series[0].label).toBe('model [0]');
    expect(vector.note).toContain('4 left out');
    expect(Number.isNaN(figures[0].series[0].points[0].value)).toBe(true);
  });
});

describe('tdlab report (CLI)', () => {
  function tdlab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), ...args], { cwd: root });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    });
  }

  it('writes <dir>/report/index.html and exits 0; exits 2 for a directory that is neither', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-report-cli-'));
    const file = join(dir, 'uv.yaml');
    writeFileSync(file, ['name: uv-report-cli', ...studyLines(30), 'probes: [{ use: loss }, { use: normalized-lr }]'].join('\n'));
    const runDir = join(dir, 'run');
    expect((await runCommand({ files: [file], out: runDir, log: () => {} })).exitCode).toBe(0);
    const result = await tdlab(['report', runDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run report:');
    expect(existsSync(join(runDir, 'report', 'index.html'))).toBe(true);
    expect(existsSync(join(runDir, 'report', 'normalized-lr.png'))).toBe(true);
    const bad = await tdlab(['report', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('neither a run directory');
  }, 60_000);
});
