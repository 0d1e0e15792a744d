import { defineSink, type MetricRecord, type RunInfo, type RunOutcome, type RunSummary, type Sink, type StepEvent } from '@tdlab/core';
import { type } from 'arktype';
import { formatDuration, formatNumber } from './format.js';

/** When stdout is not a terminal, progress lines are printed at most this often (plus the last one). */
export const PLAIN_LINE_MILLISECONDS = 1000;
const BAR_WIDTH = 20;
/** Assumed terminal width when a TTY does not report one. */
const DEFAULT_COLUMNS = 100;

export const consoleSinkOptions = type({
  /** How often the live line is redrawn on a terminal. */
  refreshMilliseconds: 'number > 0 = 200',
  /** The metrics shown on the live line (default: every scalar metric seen, in order of appearance). */
  'metrics?': 'string[]',
});
export type ConsoleSinkOptions = typeof consoleSinkOptions.infer;

/** What the live line needs of a step event (the event's state is only valid during its emission). */
interface StepSnapshot {
  readonly step: number;
  readonly totalSteps: number;
  readonly lr: number;
  readonly loss: number;
  readonly outcome: RunOutcome | undefined;
  /** With arms: each arm's loss (or outcome, once it has one), as shown on the line. */
  readonly arms?: string;
}

/**
 * Progress and a summary on a terminal. On a TTY, one live line (progress bar, step/total, loss,
 * learning rate and the latest value of the main metrics) is rewritten in place with \r at most
 * every `refreshMilliseconds`; elsewhere (CI logs, pipes) a plain line is printed at most once a
 * second and at the end. Closing prints the run summary.
 */
export class ConsoleSink implements Sink {
  private readonly latest = new Map<string, number>();
  private readonly tty: boolean;
  private info: RunInfo | undefined;
  private last: StepSnapshot | undefined;
  private shown: StepSnapshot | undefined;
  private shownAt = Number.NEGATIVE_INFINITY;
  /** A live line is on the screen without its newline (TTY only). */
  private lineOpen = false;
  /** With arms: each arm's latest loss and outcome, and the arms that have stopped. */
  private readonly armLosses = new Map<string, { loss: number; outcome: RunOutcome | undefined }>();
  private readonly finishedArms = new Set<string>();
  /** An arm stopped at this step: its line is shown whatever the throttle says. */
  private armStopped = false;

  constructor(
    private readonly options: ConsoleSinkOptions = { refreshMilliseconds: 200 },
    private readonly stream: NodeJS.WritableStream = process.stdout,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tty = (stream as { isTTY?: boolean }).isTTY === true;
  }

  open(info: RunInfo): void {
    this.info = info;
    this.stream.write(`tdlab: ${info.name} (run ${info.run}), ${info.totalSteps} steps\n`);
  }

  write(record: MetricRecord): void {
    // With arms, one value per metric and arm: `ntk_lambda@quadratic`.
    if (record.index === undefined) this.latest.set(record.arm === undefined ? record.name : `${record.name}@${record.arm}`, record.value);
  }

  progress(event: StepEvent): void {
    let arms: string | undefined;
    if (event.arm !== undefined) {
      this.armLosses.set(event.arm, { loss: event.loss, outcome: event.outcome });
      // One line per step, at the event of its last live arm (all arms' events of a step are in).
      const order = this.info?.arms ?? [...this.armLosses.keys()];
      const later = order.slice(order.indexOf(event.arm) + 1);
      const last = later.every((arm) => this.finishedArms.has(arm));
      if (event.outcome !== undefined) {
        this.finishedArms.add(event.arm);
        this.armStopped = true;
      }
      if (!last) return;
      arms = order
        .map((arm) => {
          const latest = this.armLosses.get(arm);
          // An arm that stopped early shows how (`diverged`); one that ran to the end, its loss.
          const stopped = latest?.outcome !== undefined && latest.outcome !== 'max-steps';
          return `${arm} ${latest === undefined ? '-' : stopped ? latest.outcome : formatNumber(latest.loss)}`;
        })
        .join(' ');
    }
    const done = event.arm === undefined || this.finishedArms.size === (this.info?.arms ?? [...this.armLosses.keys()]).length;
    const snapshot: StepSnapshot = {
      step: event.step,
      totalSteps: event.totalSteps,
      lr: event.lr,
      loss: event.loss,
      // With arms, the line shows each arm's outcome; the run's is set once every arm has stopped.
      outcome: done ? event.outcome : undefined,
      ...(arms === undefined ? {} : { arms }),
    };
    this.last = snapshot;
    const now = this.now();
    const interval = this.tty ? this.options.refreshMilliseconds : Math.max(PLAIN_LINE_MILLISECONDS, this.options.refreshMilliseconds);
    if (snapshot.outcome !== undefined || this.armStopped || now - this.shownAt >= interval) {
      this.armStopped = false;
      this.show(snapshot);
      this.shownAt = now;
    }
  }

  close(summary: RunSummary): void {
    // The last step is always on screen, even when the run was cancelled between two lines.
    if (this.last !== undefined && this.last !== this.shown) this.show(this.last);
    if (this.lineOpen) this.stream.write('\n');
    this.lineOpen = false;
    this.stream.write(summaryBlock(summary));
  }

  private show(snapshot: StepSnapshot): void {
    this.shown = snapshot;
    const line = this.line(snapshot);
    if (this.tty) {
      const columns = (this.stream as { columns?: number }).columns ?? DEFAULT_COLUMNS;
      // Never let the line wrap: \r only returns to the start of the last screen row.
      const fitted = line.length >= columns ? `${line.slice(0, Math.max(0, columns - 2))}…` : line;
      this.stream.write(`\r${fitted}\x1b[K`);
      this.lineOpen = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  private line(snapshot: StepSnapshot): string {
    const { step, totalSteps } = snapshot;
    const fraction = totalSteps > 0 ? Math.min(1, Math.max(0, step / totalSteps)) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const counter = `${String(step).padStart(String(totalSteps).length)}/${totalSteps}`;
    const parts = [`${bar} ${counter}`];
    // The outcome comes early, so a line cut to the terminal width still shows it.
    if (snapshot.outcome !== undefined) parts.push(snapshot.outcome);
    parts.push(snapshot.arms === undefined ? `loss ${formatNumber(snapshot.loss)}` : `loss ${snapshot.arms}`, `lr ${formatNumber(snapshot.lr)}`);
    for (const name of this.shownMetrics()) {
      const value = this.latest.get(name);
      parts.push(`${name} ${value === undefined ? '-' : formatNumber(value)}`);
    }
    return parts.join('  ');
  }

  private shownMetrics(): readonly string[] {
    const names = this.options.metrics ?? [...this.latest.keys()];
    // With arms, a metric asked for is shown for every arm (`ntk_lambda@model`, …).
    const arms = this.info?.arms;
    const expanded =
      arms && this.options.metrics
        ? names.flatMap((name) => {
            const seen = arms.map((arm) => `${name}@${arm}`).filter((key) => this.latest.has(key));
            return seen.length > 0 ? seen : [name];
          })
        : names;
    // The loss is on every line already, from the step event itself.
    return expanded.filter((name) => name !== 'loss' && !name.startsWith('loss@'));
  }
}

/** The end-of-run block: outcome, losses, curvature, learning rates, weight norm and time. */
export function summaryBlock(summary: RunSummary): string {
  const rows: [string, string][] = [
    ['outcome', summary.outcome],
    ['steps', String(summary.steps)],
    ['loss convention', summary.lossConvention],
    [
      'loss',
      `initial ${formatNumber(summary.initialLoss)}  peak ${formatNumber(summary.peakLoss)} (step ${summary.peakStep})  final ${formatNumber(summary.finalLoss)}`,
    ],
    ['λ₀', formatNumber(summary.lambda0)],
    ['final λ', formatNumber(summary.finalLambda)],
    ['η', formatNumber(summary.lr)],
    ['r = η·λ₀', formatNumber(summary.normalizedLr)],
    ['final η·λ', formatNumber(summary.finalNormalizedLr)],
    ['weight-norm ratio', `${formatNumber(summary.weightNormRatio)}  (‖θ_T‖²/‖θ₀‖²)`],
    ['wall time', formatDuration(summary.wallSeconds)],
  ];
  // With arms, the rows above are the model arm's; each arm adds one row of its own.
  for (const [arm, own] of Object.entries(summary.arms ?? {})) {
    rows.push([
      `arm ${arm}`,
      `${own.outcome}  loss initial ${formatNumber(own.initialLoss)}  peak ${formatNumber(own.peakLoss)} (step ${own.peakStep})  ` +
        `final ${formatNumber(own.finalLoss)}  λ₀ ${formatNumber(own.lambda0)}  final η·λ ${formatNumber(own.finalNormalizedLr)}`,
    ]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const title = `── ${summary.name} (run ${summary.run}) `;
  return `${title}${'─'.repeat(Math.max(3, 60 - title.length))}\n${rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}

/** `sinks: [{ use: console, refreshMilliseconds: 200, metrics: [ntk_lambda, normalized_lr] }]` — writes to stdout. */
export const consoleSink = defineSink({
  id: 'console',
  description: 'Live progress line (step/total, loss, lr, main metrics) and an end-of-run summary on stdout',
  options: consoleSinkOptions,
  create: (options) => new ConsoleSink(options),
});
