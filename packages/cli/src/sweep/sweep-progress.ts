import type { PlannedRun, RunResult } from './sweep-types.js';

export interface SweepProgressOptions {
  readonly total: number;
  /** Runs skipped as finished by an earlier invocation (counted as done, not in the ETA). */
  readonly skipped: number;
  readonly log: (line: string) => void;
  /** Where the one-line display goes on a terminal; without it (not a TTY), `log` gets plain lines. */
  readonly tty?: NodeJS.WriteStream;
  readonly now?: () => number;
}

/**
 * Progress across the runs of a sweep: done/total, running, failed and an ETA from the mean wall
 * time per completed run. On a terminal, one line rewritten in place (`clear()` before other
 * output); otherwise one plain line per finished or failed run.
 */
export class SweepProgress {
  private done: number;
  private failed = 0;
  private running = 0;
  private completedHere = 0;
  private readonly started: number;
  private readonly now: () => number;
  private shown = false;

  constructor(private readonly options: SweepProgressOptions) {
    this.done = options.skipped;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  runStarted(_run: PlannedRun): void {
    this.running++;
    this.draw();
  }

  runFinished(result: RunResult, axes: string, stored: boolean): void {
    this.running = Math.max(0, this.running - 1);
    this.done++;
    this.completedHere++;
    this.event(`${this.counter()} ${result.summary.outcome.padEnd(9)} ${axes}${stored ? '' : ' (already stored: discarded)'}`);
  }

  runFailed(run: PlannedRun, axes: string, error: string): void {
    this.running = Math.max(0, this.running - 1);
    this.failed++;
    this.event(`${this.counter()} FAILED    ${axes} (${run.id}): ${error.split('\n')[0]}`);
  }

  /** Ends the display (a final newline on a terminal). */
  clear(): void {
    if (this.options.tty && this.shown) {
      this.options.tty.write('\r\x1b[K');
      this.shown = false;
    }
  }

  /** The status line: done/total, running, failed, ETA. */
  status(): string {
    const { total } = this.options;
    const remaining = total - this.done - this.failed;
    const elapsed = (this.now() - this.started) / 1000;
    const eta = this.completedHere > 0 && remaining > 0 ? ` · ETA ${formatSeconds((elapsed / (this.completedHere + this.failed)) * remaining)}` : '';
    const width = 24;
    const filled = total > 0 ? Math.round((width * (this.done + this.failed)) / total) : width;
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${total} done · ${this.running} running · ${this.failed} failed · ${formatSeconds(elapsed)}${eta}`;
  }

  private counter(): string {
    const width = String(this.options.total).length;
    return `[${String(this.done + this.failed).padStart(width)}/${this.options.total}]`;
  }

  private event(line: string): void {
    if (this.options.tty) {
      this.clear();
      this.options.log(line);
      this.draw();
    } else {
      this.options.log(line);
    }
  }

  private draw(): void {
    if (!this.options.tty) return;
    const columns = this.options.tty.columns ?? 100;
    this.options.tty.write(`\r\x1b[K${this.status().slice(0, Math.max(10, columns - 1))}`);
    this.shown = true;
  }
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
