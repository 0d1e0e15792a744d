import { describe, expect, it } from 'vitest';
import { formatSeconds, SweepProgress } from './sweep-progress.js';
import type { PlannedRun, RunResult } from './sweep-types.js';

const run = (id: string): PlannedRun => ({ id, spec: {}, axes: { seed: 0 } });
const result = (id: string): RunResult => ({ id, files: {}, summary: { outcome: 'converged' } as RunResult['summary'] });

describe('SweepProgress', () => {
  it('without a terminal: one plain line per finished or failed run', () => {
    const lines: string[] = [];
    const progress = new SweepProgress({ total: 4, skipped: 1, log: (line) => lines.push(line) });
    progress.runStarted(run('a'));
    progress.runFinished(result('a'), 'seed=0', true);
    progress.runStarted(run('b'));
    progress.runFailed(run('b'), 'seed=1', 'Error: boom\n  at x');
    expect(lines).toEqual(['[2/4] converged seed=0', '[3/4] FAILED    seed=1 (b): Error: boom']);
  });

  it('on a terminal: one status line rewritten in place (done/total, running, failed, ETA), events above it', () => {
    let clock = 0;
    let screen = '';
    const tty = { columns: 200, write: (text: string) => ((screen += text), true) } as unknown as NodeJS.WriteStream;
    const lines: string[] = [];
    const progress = new SweepProgress({ total: 10, skipped: 0, log: (line) => lines.push(line), tty, now: () => clock });
    progress.runStarted(run('a'));
    progress.runStarted(run('b'));
    expect(progress.status()).toContain('0/10 done · 2 running · 0 failed');
    clock = 2000;
    progress.runFinished(result('a'), 'seed=0', true);
    // 1 run in 2 s: 9 left → ETA 18 s.
    expect(progress.status()).toMatch(/1\/10 done · 1 running · 0 failed · 2\.0 s · ETA 18\.0 s$/);
    expect(screen).toContain('\r\x1b[K[##');
    expect(lines).toEqual(['[ 1/10] converged seed=0']);
    progress.clear();
    expect(screen.endsWith('\r\x1b[K')).toBe(true);
    expect(formatSeconds(125)).toBe('2 min 5 s');
  });
});
