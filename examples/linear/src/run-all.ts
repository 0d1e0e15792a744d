// Runs the linear-family studies (papers.md §5, §6 M–M targets 1–2 and random features) and prints
// one table: what gradient descent reached, the closed form it converges to, and the theory.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@tdlab/cli';

const here = dirname(fileURLToPath(import.meta.url));
const studies = join(here, '..', 'studies');
const files = readdirSync(studies)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => join(studies, file));
const out = resolve(process.argv[2] ?? join(here, '..', 'runs'));

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const result = await runCommand({ files, out, signal: controller.signal, log: () => {} });

/** The last value of every metric of a run directory's metrics.jsonl. */
function lastValues(runDir: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { name: string; value: number | string; index?: number };
    if (record.index === undefined) values.set(record.name, Number(record.value));
  }
  return values;
}

const format = (value: number | undefined): string =>
  value === undefined ? '—' : !Number.isFinite(value) ? String(value) : Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential(2) : value.toPrecision(4);

const rows = result.summaries.map((summary, i) => {
  const values = lastValues(result.runDirs[i]);
  const kernels = [...values.keys()].filter((name) => name.startsWith('krr_test_error')).map((name) => `${name.replace('krr_test_error/', '')} ${format(values.get(name))}`);
  return [
    summary.name,
    String(summary.steps),
    format(values.get('test_error')),
    format(values.get('ridge_test_error')),
    format(values.get('ridge_distance')),
    format(values.get('ridge_theory')),
    format(values.get('ridgeless_theory')),
    kernels.join(', ') || '—',
  ];
});
const header = ['study', 'steps', 'GD test error', 'closed form', '‖θ−θ̂‖/‖θ̂‖', 'ridge theory', 'ridgeless theory', 'kernel ridge (test error)'];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
console.log(`\nThe linear family (Misiakiewicz & Montanari, papers.md §5), run directories under ${out}\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
process.exitCode = result.exitCode;
