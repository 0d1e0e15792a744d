/*
 * `pnpm bench`: runs the issue-3 workloads in tdlab and, when python3 with numpy is available, in
 * numpy on the same inputs; checks that both compute the same numbers and prints a table of
 * medians. See test/bench/README.md.
 *
 *   node --conditions=@tdlab/source --import tsx test/bench/compare.ts [--quick] [--only W1,W3]
 *        [--precision f32|f64] [--reps N] [--warmup N] [--budget S] [--no-numpy] [--no-jax]
 *
 * When the optional @jax-js/jax is installed, W1–W3 also run in jax-js (jax-js.ts), in a second
 * table (--no-jax skips it).
 *
 * Exit status: 0 whether or not the speed targets are met (this is a benchmark), 1 when the
 * implementations disagree (tdlab vs numpy or vs jax-js) or a reference script fails, 2 on bad
 * arguments.
 */
import { cpus, loadavg } from 'node:os';
import type { Precision } from '@tdlab/tensor';
import { type BenchCase, findPython, runReference, timeCase, type Workload } from './harness.js';
import { type JaxRuntime, loadJax, prepareJaxCase, timeJaxCase } from './jax-js.js';
import { w1Matmul } from './w1-matmul.js';
import { w2GdStep } from './w2-gd-step.js';
import { w3NtkPower } from './w3-ntk-power.js';
import { w4NqmStep } from './w4-nqm-step.js';
import { w5MlpStep } from './w5-mlp-step.js';

const WORKLOADS: readonly Workload[] = [w1Matmul, w2GdStep, w3NtkPower, w4NqmStep, w5MlpStep];
const PRECISIONS: readonly Precision[] = ['float32', 'float64'];
const SHORT: Record<Precision, string> = { float32: 'f32', float64: 'f64' };

interface Options {
  quick: boolean;
  only: Set<string> | undefined;
  precisions: readonly Precision[];
  reps: number;
  warmup: number;
  /** Seconds of timed tdlab runs per case before the repetitions are cut (to no fewer than 3). */
  budget: number;
  numpy: boolean;
  /** Also run the workloads in jax-js when @jax-js/jax is installed. */
  jax: boolean;
}

function usage(message: string): never {
  console.error(`compare: ${message}`);
  console.error(
    'usage: compare.ts [--quick] [--only W1,W2,W3] [--precision f32|f64] [--reps N] [--warmup N] [--budget S] [--no-numpy] [--no-jax]',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    quick: false,
    only: undefined,
    precisions: PRECISIONS,
    reps: 0,
    warmup: 1,
    budget: 30,
    numpy: true,
    jax: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    const count = (): number => {
      const n = Number(value());
      return Number.isInteger(n) && n >= 0 ? n : usage(`${flag} needs a non-negative integer`);
    };
    switch (flag) {
      case '--quick':
        options.quick = true;
        break;
      case '--only':
        options.only = new Set(value().toUpperCase().split(',').filter(Boolean));
        for (const id of options.only) if (!WORKLOADS.some((w) => w.id === id)) usage(`unknown workload ${id}`);
        break;
      case '--precision': {
        const p = value().toLowerCase();
        const match = PRECISIONS.find((q) => q === p || SHORT[q] === p);
        options.precisions = match ? [match] : usage(`unknown precision ${p}`);
        break;
      }
      case '--reps':
        options.reps = count();
        break;
      case '--warmup':
        options.warmup = count();
        break;
      case '--budget':
        options.budget = count();
        break;
      case '--no-numpy':
        options.numpy = false;
        break;
      case '--no-jax':
        options.jax = false;
        break;
      case '--':
        break;
      default:
        usage(`unknown argument ${argv[i]}`);
    }
  }
  if (options.reps === 0) options.reps = options.quick ? 3 : 5;
  return options;
}

interface Row {
  workload: string;
  precision: string;
  runs: number;
  tdlab: number;
  tdlabCores: number;
  numpy?: number;
  numpyCores?: number;
  error?: number;
  agree?: boolean;
  note?: string;
  target?: number;
  /** Replaces the target cell (a workload's own target, from BenchCase.extra). */
  targetCell?: string;
}

const ms = (t: number): string => (t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2));

function formatRow(row: Row): string[] {
  const ratio = row.numpy === undefined ? undefined : row.tdlab / row.numpy;
  const agreement =
    row.note ?? (row.agree === undefined ? '—' : `${row.error!.toExponential(1)} ${row.agree ? 'ok' : 'FAIL'}`);
  const target =
    row.targetCell ??
    (row.target === undefined ? '—' : `≤ ${row.target.toFixed(1)}${ratio === undefined ? '' : ratio <= row.target ? ' met' : ' missed'}`);
  return [
    row.workload,
    row.precision,
    String(row.runs),
    ms(row.tdlab),
    row.numpy === undefined ? '—' : ms(row.numpy),
    ratio === undefined ? '—' : ratio.toFixed(2),
    `${row.tdlabCores.toFixed(1)} / ${row.numpyCores === undefined ? '—' : row.numpyCores.toFixed(1)}`,
    agreement,
    target,
  ];
}

function printTable(rows: readonly Row[]): void {
  const header = ['workload', 'prec', 'runs', 'tdlab ms', 'numpy ms', 'tdlab/numpy', 'cores td / np', 'agreement (max rel err)', 'target'];
  printMarkdown(header, rows.map(formatRow), [false, false, true, true, true, true, true, false, false]);
}

/** One workload and precision in jax-js, next to tdlab's time from the main table. */
interface JaxRow {
  workload: string;
  precision: string;
  tdlab: number;
  tdlabCores: number;
  runs?: number;
  jax?: number;
  jaxCores?: number;
  error?: number;
  agree?: boolean;
  /** Replaces the time and agreement cells: no jax-js version of the workload, or it failed. */
  note?: string;
}

/** Issue 3: tdlab faster than jax-js on every workload, in both precisions. */
const JAX_TARGET = 1.0;

function printJaxTable(rows: readonly JaxRow[]): void {
  const header = ['workload', 'prec', 'runs', 'tdlab ms', 'jax-js ms', 'tdlab/jax-js', 'cores td / jx', 'agreement with tdlab', 'target'];
  const cells = rows.map((row) => {
    const ratio = row.jax === undefined ? undefined : row.tdlab / row.jax;
    return [
      row.workload,
      row.precision,
      row.runs === undefined ? '—' : String(row.runs),
      ms(row.tdlab),
      row.jax === undefined ? '—' : ms(row.jax),
      ratio === undefined ? '—' : ratio.toFixed(2),
      `${row.tdlabCores.toFixed(1)} / ${row.jaxCores === undefined ? '—' : row.jaxCores.toFixed(1)}`,
      row.note ?? (row.agree === undefined ? '—' : `${row.error!.toExponential(1)} ${row.agree ? 'ok' : 'FAIL'}`),
      ratio === undefined ? '—' : `≤ ${JAX_TARGET.toFixed(1)} ${ratio <= JAX_TARGET ? 'met' : 'missed'}`,
    ];
  });
  printMarkdown(header, cells, [false, false, true, true, true, true, true, false, false]);
}

/** A Markdown table, padded so it also reads well in a terminal. */
function printMarkdown(header: readonly string[], rows: readonly string[][], numeric: readonly boolean[]): void {
  const cells = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const line = (r: string[]): string =>
    `| ${r.map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join(' | ')} |`;
  console.log(line([...header]));
  console.log(`|${widths.map((w, j) => (numeric[j] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const python = options.numpy ? findPython() : undefined;
  const cpu = cpus();
  console.log(
    `tdlab bench — ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, Node ${process.versions.node}, ` +
      `load ${loadavg()[0].toFixed(2)}; medians of ${options.reps} runs after ${options.warmup} warm-up ` +
      `(fewer, ≥ 3, past ${options.budget} s per case)` +
      `${options.quick ? ' (--quick: smaller shapes)' : ''}`,
  );
  console.log(
    python
      ? `numpy ${python.numpyVersion} (${python.command})`
      : options.numpy
        ? 'numpy was not found (tried $TDLAB_BENCH_PYTHON, python3, /usr/bin/python3): tdlab times only'
        : '--no-numpy: tdlab times only',
  );
  const jaxLoad = options.jax ? await loadJax() : undefined;
  const jax: JaxRuntime | undefined = jaxLoad && !('unavailable' in jaxLoad) ? jaxLoad : undefined;
  console.log(
    jax
      ? `jax-js ${jax.version} (${jax.device}, ${jax.threads === 1 ? 'main thread only' : `${jax.threads} worker threads`})`
      : jaxLoad && 'unavailable' in jaxLoad
        ? `jax-js: not available (${jaxLoad.unavailable})`
        : '--no-jax: no jax-js comparison',
  );

  const rows: Row[] = [];
  const jaxRows: JaxRow[] = [];
  const notes: string[] = [];
  let failures = 0;
  for (const workload of WORKLOADS) {
    if (options.only && !options.only.has(workload.id)) continue;
    for (const precision of options.precisions) {
      const label = `${workload.title(options.quick)} ${SHORT[precision]}`;
      process.stderr.write(`${label}: tdlab…`);
      const bench: BenchCase = workload.prepare(precision, options.quick);
      const ours = await timeCase(bench, options.warmup, options.reps, options.budget * 1000);
      const row: Row = {
        workload: workload.title(options.quick),
        precision: SHORT[precision],
        runs: ours.times.length,
        tdlab: ours.median,
        tdlabCores: ours.cores,
        target: workload.target,
      };
      const extra = await bench.extra?.(ours, { warmup: options.warmup, reps: options.reps, budgetMs: options.budget * 1000 });
      if (extra) {
        row.targetCell = extra.target;
        notes.push(`${label}: ${extra.note}`);
      }
      if (python) {
        const result = bench.result().slice();
        process.stderr.write(' numpy…');
        try {
          const theirs = runReference(python, workload.script, bench, precision, options.warmup, ours.times.length);
          row.numpy = theirs.median;
          row.numpyCores = theirs.cores;
          row.error = bench.error(result, theirs.result);
          // `!(x > tol)` so that NaN fails.
          row.agree = !(row.error > workload.tolerance[precision]) && !Number.isNaN(row.error);
          if (!row.agree) failures++;
        } catch (error) {
          row.note = 'reference failed';
          failures++;
          process.stderr.write(`\n${(error as Error).message}\n`);
        }
      }
      if (jax) {
        const jaxRow: JaxRow = { workload: row.workload, precision: row.precision, tdlab: ours.median, tdlabCores: ours.cores };
        const jaxCase = prepareJaxCase(jax, workload.id, bench, precision);
        if (!jaxCase) jaxRow.note = '— (no jax-js version)';
        else {
          const result = bench.result().slice();
          process.stderr.write(' jax-js…');
          try {
            const theirs = await timeJaxCase(jaxCase, options.warmup, options.reps, options.budget * 1000);
            jaxRow.runs = theirs.times.length;
            jaxRow.jax = theirs.median;
            jaxRow.jaxCores = theirs.cores;
            jaxRow.error = bench.error(result, jaxCase.result());
            jaxRow.agree = !(jaxRow.error > workload.tolerance[precision]) && !Number.isNaN(jaxRow.error);
            if (!jaxRow.agree) failures++;
          } catch (error) {
            // jax-js is optional: its failure is reported, not counted.
            jaxRow.note = 'jax-js failed';
            process.stderr.write(`\njax-js: ${(error as Error).stack ?? String(error)}\n`);
          } finally {
            jaxCase.dispose();
          }
        }
        jaxRows.push(jaxRow);
      }
      process.stderr.write(' done\n');
      rows.push(row);
    }
  }

  console.log();
  printTable(rows);
  console.log();
  for (const note of notes) console.log(note);
  if (notes.length > 0) console.log();
  if (jaxRows.length > 0) {
    printJaxTable(jaxRows);
    console.log();
  }
  const tolerances = WORKLOADS.filter((w) => !options.only || options.only.has(w.id))
    .map((w) => `${w.id} ${w.tolerance.float32.toExponential(0)} f32 / ${w.tolerance.float64.toExponential(0)} f64`)
    .join('; ');
  console.log(`agreement tolerances (max rel err): ${tolerances}. Targets are issue 3's ratio tdlab/numpy.`);
  console.log('cores td / np = process CPU time / wall time during the timed runs: how many cores each side kept busy.');
  if (jaxRows.length > 0) {
    console.log(`jax-js: same inputs and tolerances, compared with tdlab's result; target = issue 3's tdlab/jax-js ≤ ${JAX_TARGET.toFixed(1)}.`);
  }
  if (failures > 0) {
    console.log(`${failures} case(s) disagree with numpy or jax-js, or failed to run: exit 1`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
