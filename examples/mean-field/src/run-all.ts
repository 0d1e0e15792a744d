// Runs the mean-field studies (Pellegrini & Biroli 2020, papers.md §3, §6) and writes
// runs/report.html: the simulation and the mean-field theory of the same set-up, curve beside
// curve, against mean-field time t = step·dt; then the lazy↔rich sweep over α. Prints a table of
// simulation vs theory at a few times and the relative L1 gap of each pair of curves.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@tdlab/cli';
import { type ChartSeries, escapeXml, lineChart } from './svg-chart.js';

const here = dirname(fileURLToPath(import.meta.url));
const studies = join(here, '..', 'studies');
const files = readdirSync(studies)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => join(studies, file));
const out = resolve(process.argv[2] ?? join(here, '..', 'runs'));

const started = performance.now();
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const result = await runCommand({ files, out, signal: controller.signal, log: () => {} });
if (result.exitCode !== 0) {
  process.exitCode = result.exitCode;
  throw new Error(`the studies did not all finish (exit code ${result.exitCode})`);
}

// ---------------------------------------------------------------------------------------------
// Reading a run directory

interface Point {
  readonly step: number;
  readonly value: number;
}

interface Run {
  readonly dir: string;
  readonly spec: {
    name: string;
    model: { alpha?: number; width: number };
    arms?: Record<string, { alpha?: number }>;
    optimizer: { dt: number };
    data: { n: number; d: number };
  };
  /** Series by `arm|name|index` (arm and index empty when absent), in step order. */
  readonly series: Map<string, Point[]>;
}

const key = (name: string, index?: number, arm?: string): string => `${arm ?? ''}|${name}|${index ?? ''}`;

function readRun(dir: string): Run {
  const series = new Map<string, Point[]>();
  for (const line of readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { step: number; name: string; value: number | string; index?: number; arm?: string };
    const k = key(record.name, record.index, record.arm);
    const points = series.get(k) ?? [];
    points.push({ step: record.step, value: Number(record.value) });
    series.set(k, points);
  }
  return { dir, spec: JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as Run['spec'], series };
}

function get(run: Run, name: string, index?: number, arm?: string): Point[] {
  const points = run.series.get(key(name, index, arm));
  if (!points) throw new Error(`${run.spec.name}: no metric ${name}${index === undefined ? '' : `[${index}]`}${arm ? ` (arm ${arm})` : ''} in ${run.dir}`);
  return points;
}

/** Σ|sim − theory| / Σ|theory| over the steps both measured after step 0 (relativeGap of test/pellegrini-biroli.test.ts). */
function relativeGap(simulated: readonly Point[], predicted: readonly Point[]): number {
  const theory = new Map(predicted.map((p) => [p.step, p.value]));
  let gap = 0;
  let size = 0;
  for (const { step, value } of simulated) {
    const th = theory.get(step);
    if (step === 0 || th === undefined) continue;
    gap += Math.abs(value - th);
    size += Math.abs(th);
  }
  return gap / size;
}

const byName = new Map(result.summaries.map((summary, i) => [summary.name, readRun(result.runDirs[i])]));
const main = byName.get('theory-vs-simulation');
const sweep = byName.get('rich-lazy');
if (!main || !sweep) throw new Error(`expected the studies theory-vs-simulation and rich-lazy under ${studies}`);

const dt = main.spec.optimizer.dt;
const curve = (points: readonly Point[], timeStep: number): [number, number][] => points.map((p) => [p.step * timeStep, p.value]);

// ---------------------------------------------------------------------------------------------
// Simulation vs theory: the quantities, the console table, the gaps

const SIM = { color: '#1f77b4' };
const FINITE = { color: '#d62728', dash: '7 4' };
const INFINITE = { color: '#2ca02c', dash: '2 3' };

interface Quantity {
  readonly label: string;
  readonly sim: string;
  readonly theories: readonly { readonly name: string; readonly metric: string }[];
}

const quantities: Quantity[] = [
  {
    label: 'unsatisfied fraction',
    sim: 'unsatisfied_fraction',
    theories: [
      { name: 'N', metric: 'theory_unsatisfied_fraction' },
      { name: '∞', metric: 'infinite_unsatisfied_fraction' },
    ],
  },
  {
    label: 'loss',
    sim: 'loss',
    theories: [
      { name: 'N', metric: 'theory_loss' },
      { name: '∞', metric: 'infinite_loss' },
    ],
  },
  {
    label: 'E[a²]',
    sim: 'a2_mean',
    theories: [
      { name: 'N', metric: 'theory_a2_mean' },
      { name: '∞', metric: 'infinite_a2_mean' },
    ],
  },
  { label: 'test error', sim: 'test_class_error', theories: [{ name: 'N', metric: 'theory_test_class_error' }] },
];

const format = (value: number | undefined): string =>
  value === undefined ? '—' : !Number.isFinite(value) ? String(value) : value === 0 ? '0' : Math.abs(value) < 1e-3 || Math.abs(value) >= 1e4 ? value.toExponential(2) : value.toPrecision(4);

/** A plain-text table; the first `textColumns` columns are left-aligned, the numbers right-aligned. */
function table(header: string[], rows: string[][], textColumns = 0): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const valueAt = (points: readonly Point[], step: number): number | undefined => points.find((p) => p.step === step)?.value;
const measured = get(main, 'loss').map((p) => p.step);
const tableSteps = [0, 10, 25, 50, 100, 150].map((t) => Math.round(t / dt)).filter((step) => measured.includes(step));
const header = ['t', ...quantities.flatMap((q) => [`${q.label} sim`, ...q.theories.map((th) => `th ${th.name}`)])];
const rows = tableSteps.map((step) => [
  format(step * dt),
  ...quantities.flatMap((q) => [format(valueAt(get(main, q.sim), step)), ...q.theories.map((th) => format(valueAt(get(main, th.metric), step)))]),
]);
const units = Math.max(0, ...[...main.series.keys()].filter((k) => k.startsWith('|unit_a|')).map((k) => Number(k.split('|')[2]) + 1));
const gapRows: string[][] = [
  ...quantities.flatMap((q) =>
    q.theories.map((th) => [q.label, th.name === 'N' ? `finite-N theory (N = ${main.spec.data.n})` : 'N = ∞ theory', format(relativeGap(get(main, q.sim), get(main, th.metric)))]),
  ),
  ...Array.from({ length: units }, (_, i) => [`unit ${i} a(t)`, `finite-N theory (N = ${main.spec.data.n})`, format(relativeGap(get(main, 'unit_a', i), get(main, 'theory_unit_a', i)))]),
];
const gapTable = table(['quantity', 'theory', 'relative L1 gap'], gapRows, 2);

// The lazy↔rich sweep: one arm per α.
const armAlpha = new Map<string, number>([['model', sweep.spec.model.alpha ?? 1], ...Object.entries(sweep.spec.arms ?? {}).map(([arm, section]): [string, number] => [arm, section.alpha ?? 1])]);
const sweepDt = sweep.spec.optimizer.dt;
const sweepRows = [...armAlpha].map(([arm, alpha]) => [
  String(alpha),
  arm,
  format(get(sweep, 'w_relative_change', undefined, arm).at(-1)!.value),
  format(get(sweep, 'unsatisfied_fraction', undefined, arm).at(-1)!.value),
  format(get(sweep, 'test_class_error', undefined, arm).at(-1)!.value),
]);
const sweepTable = table(['α', 'arm', '‖W_T − W₀‖/‖W₀‖', 'unsatisfied', 'test error'], sweepRows);

// ---------------------------------------------------------------------------------------------
// The report

const xLabel = 'mean-field time t = step · dt';
const triple = (title: string, q: Quantity, logY = false): string =>
  lineChart(
    [
      { name: 'simulation', points: curve(get(main, q.sim), dt), ...SIM, markers: true },
      ...q.theories.map(
        (th): ChartSeries => ({
          name: th.name === 'N' ? `theory, finite N = ${main.spec.data.n}` : 'theory, N = ∞',
          points: curve(get(main, th.metric), dt),
          ...(th.name === 'N' ? FINITE : INFINITE),
        }),
      ),
    ],
    { title, xLabel, yLabel: q.label, logY },
  );

const unitSeries: ChartSeries[] = Array.from({ length: units }, (_, i): ChartSeries[] => {
  const color = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'][i % 5];
  return [
    { name: `unit ${i}: simulation`, points: curve(get(main, 'unit_a', i), dt), color, markers: true },
    { name: `unit ${i}: theory`, points: curve(get(main, 'theory_unit_a', i), dt), color, dash: '7 4' },
  ];
}).flat();

const sweepSeries = (metric: string): ChartSeries[] =>
  [...armAlpha].map(([arm, alpha]) => ({ name: `α = ${alpha}`, points: curve(get(sweep, metric, undefined, arm), sweepDt), markers: true }));

const charts = [
  triple('Unsatisfied fraction (y·f < h)', quantities[0]),
  triple('Training loss (mean linear hinge)', quantities[1], true),
  triple('E[a²] over the units', quantities[2]),
  triple('Test class error (eval split)', quantities[3]),
  lineChart(unitSeries, { title: `Outer weights a(t) of the first ${units} units`, xLabel, yLabel: 'a' }),
];
const sweepCharts = [
  lineChart(sweepSeries('w_relative_change'), { title: 'Lazy ↔ rich: ‖W_t − W₀‖/‖W₀‖ per α', xLabel, yLabel: 'relative change of W', logY: true }),
  lineChart(sweepSeries('unsatisfied_fraction'), { title: 'Unsatisfied fraction per α', xLabel, yLabel: 'unsatisfied fraction' }),
];

const pre = (lines: string[]): string => `<pre>${escapeXml(lines.join('\n'))}</pre>`;
const m = main.spec;
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tdlab — mean-field hinge classifier: simulation vs theory</title>
<style>
  body { font-family: sans-serif; margin: 24px auto; max-width: 1500px; color: #222; }
  .charts { display: flex; flex-wrap: wrap; gap: 12px; }
  pre { background: #f6f6f6; padding: 8px 12px; overflow-x: auto; }
  p { max-width: 900px; line-height: 1.4; }
</style>
</head>
<body>
<h1>Mean-field hinge classifier (Pellegrini &amp; Biroli 2020): simulation vs theory</h1>
<p>Study <code>${escapeXml(m.name)}</code>: M = ${m.model.width} hidden units, α = ${m.model.alpha ?? 1}, N = ${m.data.n} antipodal training
examples in d = ${m.data.d}, mean linear hinge, gradient flow in mean-field time dθ/dt = −αM·∇L (Euler, dt = ${dt}).
Solid: the simulation. Dashed: the mean-field (M = ∞) theory on the run's own ${m.data.n} examples. Dotted: the theory for N = ∞.
Both theories are solved inside the same run by the <code>mean-field-theory</code> probe.</p>
<div class="charts">
${charts.join('\n')}
</div>
<h2>Relative L1 gap Σ|sim − theory| / Σ|theory| (measured steps after t = 0)</h2>
${pre(gapTable)}
<h2>Simulation and theory at a few times</h2>
${pre(table(header, rows))}
<h2>Lazy ↔ rich: the same network at three values of α</h2>
<p>Study <code>${escapeXml(sweep.spec.name)}</code>: one arm per α (M = ${sweep.spec.model.width}, N = ${sweep.spec.data.n}, not antipodal),
identical data and initial weights. A small α magnifies the output, so the data are fitted with small weight changes (lazy);
a large α has to move the units (rich). On the log axis the t = 0 value (0) is not drawn.</p>
<div class="charts">
${sweepCharts.join('\n')}
</div>
${pre(sweepTable)}
<p>Run directories: ${result.runDirs.map((dir) => `<code>${escapeXml(dir)}</code>`).join(', ')}</p>
</body>
</html>
`;
const reportPath = join(out, 'report.html');
writeFileSync(reportPath, html);

console.log(`\nMean-field hinge classifier (Pellegrini & Biroli 2020), run directories under ${out}\n`);
console.log(`Simulation vs theory (th N: finite-N theory on the run's ${m.data.n} examples; th ∞: N = ∞), t = step · ${dt}:\n`);
for (const line of table(header, rows)) console.log(line);
console.log('\nRelative L1 gap Σ|sim − th| / Σ|th| over the measured steps after t = 0:\n');
for (const line of gapTable) console.log(line);
console.log('\nLazy ↔ rich (final values):\n');
for (const line of sweepTable) console.log(line);
console.log(`\nReport: ${reportPath}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
