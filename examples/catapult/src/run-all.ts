// Runs the catapult studies (papers.md §1a, §6) and prints one table comparing them:
// lazy at r = 1, catapult at r = 3, divergence at r = 4.5 (uv model); the catapult of Zhu et al.'s
// general quadratic model and of Meltzer et al.'s pure quadratic model (§1b, §2). Every *.yaml in
// studies/ is run.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@tdlab/cli';
import type { RunSummary } from '@tdlab/core';

const here = dirname(fileURLToPath(import.meta.url));
const studies = join(here, '..', 'studies');
const files = readdirSync(studies)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => join(studies, file));
const out = resolve(process.argv[2] ?? join(here, '..', 'runs'));

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const result = await runCommand({ files, out, signal: controller.signal });

const format = (value: number): string =>
  !Number.isFinite(value) ? String(value) : Math.abs(value) >= 1e4 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(2) : value.toPrecision(4);

function verdict(summary: RunSummary): string {
  if (summary.outcome === 'diverged') return 'diverged';
  const spiked = summary.peakLoss > 2 * summary.initialLoss;
  if (spiked && summary.finalNormalizedLr < 2) return 'catapult: loss spiked, then η·λ fell below 2';
  if (!spiked && Math.abs(summary.finalLambda / summary.lambda0 - 1) < 0.05) return 'lazy: λ stayed at λ₀';
  return spiked ? 'spiked' : 'monotone';
}

// A study with arms gives one row per arm (`zhu-three-arms/quadratic`), each with its own outcome and losses.
const perArm = result.summaries.flatMap((summary): RunSummary[] =>
  summary.arms ? Object.entries(summary.arms).map(([arm, own]) => ({ ...summary, ...own, name: `${summary.name}/${arm}` })) : [summary],
);
const rows = perArm.map((summary) => [
  summary.name,
  format(summary.normalizedLr),
  summary.outcome,
  format(summary.initialLoss),
  `${format(summary.peakLoss)} @${summary.peakStep}`,
  format(summary.finalLoss),
  format(summary.finalNormalizedLr),
  format(summary.weightNormRatio),
  verdict(summary),
]);
const header = ['study', 'r=ηλ₀', 'outcome', 'L₀', 'peak loss', 'final loss', 'final ηλ', '‖θ‖²/‖θ₀‖²', 'what happened'];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
console.log(`\nThe catapult phase (Lewkowycz et al. 2020), run directories under ${out}\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
process.exitCode = result.exitCode;
