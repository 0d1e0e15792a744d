import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { CapturedOutput, record, stepEvent, summary } from '../test/support.js';
import { ConsoleSink, consoleSink, PLAIN_LINE_MILLISECONDS, summaryBlock } from './console-sink.js';

const info = { run: 'run-1', name: 'uv-catapult', totalSteps: 10_000, outDir: undefined };

/** Drives a sink through a whole run of `steps` steps, `millisecondsPerStep` apart on a fake clock. */
function simulate(sink: ConsoleSink, clock: { now: number }, steps: number, millisecondsPerStep: number): void {
  sink.open(info);
  for (let step = 0; step <= steps; step++) {
    sink.write(record(step, 'loss', 1 / (step + 1)));
    sink.write(record(step, 'ntk_lambda', 2 + 1 / (step + 1)));
    sink.write(record(step, 'ntk_eigenvalues', 1, 1));
    sink.progress(stepEvent(step, steps, step === steps ? { outcome: 'max-steps' } : {}));
    clock.now += millisecondsPerStep;
  }
  sink.close(summary({ outcome: 'max-steps', steps }));
}

describe('console sink', () => {
  it('has refreshMilliseconds = 200 by default and an optional metrics list', () => {
    expect(consoleSink.options({})).toEqual({ refreshMilliseconds: 200 });
    expect(consoleSink.options({ metrics: ['ntk_lambda'] })).toEqual({ refreshMilliseconds: 200, metrics: ['ntk_lambda'] });
    expect(consoleSink.options({ refreshMilliseconds: 0 })).toBeInstanceOf(type.errors);
  });

  it('prints a bounded number of plain lines for 10,000 steps when the output is not a terminal', () => {
    const out = new CapturedOutput(false);
    simulate(new ConsoleSink({ refreshMilliseconds: 200 }, out), { now: 0 }, 10_000, 0);
    const lines = out.text.split('\n');
    expect(out.text).not.toContain('\r');
    expect(lines.length).toBeLessThan(30);
    expect(out.text).toContain('10000/10000');
    expect(out.text).toMatch(/outcome\s+max-steps/);
  });

  it('prints at most one progress line a second (and the last one) on a slow non-terminal run', () => {
    const out = new CapturedOutput(false);
    const clock = { now: 0 };
    // 10,000 steps of 3 ms: 30 s of training.
    simulate(new ConsoleSink({ refreshMilliseconds: 200 }, out, () => clock.now), clock, 10_000, 3);
    const progress = out.text.split('\n').filter((line) => line.startsWith('['));
    expect(progress.length).toBeGreaterThanOrEqual(30);
    expect(progress.length).toBeLessThanOrEqual(30_000 / PLAIN_LINE_MILLISECONDS + 2);
    expect(progress[0]).toMatch(/^\[\.{20}\]\s+0\/10000 {2}loss 1 {2}lr 0\.75 {2}ntk_lambda 3$/);
    expect(progress.at(-1)).toMatch(/^\[#{20}\] 10000\/10000 {2}max-steps {2}loss 9\.999e-5 {2}lr 0\.75 {2}ntk_lambda 2(\.\d+)?$/);
  });

  it('rewrites one live line on a terminal, throttled and never wider than the terminal', () => {
    const out = new CapturedOutput(true, 60);
    const clock = { now: 0 };
    // 1,000 steps of 1 ms with a 100 ms refresh: about 10 redraws, plus the last.
    simulate(new ConsoleSink({ refreshMilliseconds: 100 }, out, () => clock.now), clock, 1000, 1);
    const [header, live, ...rest] = out.text.split('\n');
    expect(header).toBe('tdlab: uv-catapult (run run-1), 10000 steps');
    const frames = live.split('\r').filter((frame) => frame.length > 0);
    expect(frames.length).toBeGreaterThanOrEqual(10);
    expect(frames.length).toBeLessThanOrEqual(12);
    for (const frame of frames) {
      const visible = frame.replace('\x1b[K', '');
      expect(frame.endsWith('\x1b[K')).toBe(true);
      expect(visible.length).toBeLessThan(60);
    }
    expect(frames.at(-1)).toMatch(/^\[#{20}\] 1000\/1000  max-steps  loss/);
    expect(rest.join('\n')).toMatch(/outcome\s+max-steps/);
  });

  it('shows only the metrics asked for, and never the components of vector metrics', () => {
    const out = new CapturedOutput(false);
    const sink = new ConsoleSink({ refreshMilliseconds: 200, metrics: ['normalized_lr', 'missing'] }, out);
    sink.write(record(0, 'ntk_lambda', 4));
    sink.write(record(0, 'normalized_lr', 3));
    sink.write(record(0, 'ntk_eigenvalues', 4, 0));
    sink.progress(stepEvent(0, 100));
    expect(out.text).toBe('[....................]   0/100  loss 1  lr 0.75  normalized_lr 3  missing -\n');

    const all = new CapturedOutput(false);
    const every = new ConsoleSink({ refreshMilliseconds: 200 }, all);
    every.write(record(0, 'ntk_eigenvalues', 4, 0));
    every.write(record(0, 'ntk_lambda', 4));
    every.write(record(0, 'weight_norm_ratio', 1));
    every.progress(stepEvent(0, 100));
    expect(all.text).toBe('[....................]   0/100  loss 1  lr 0.75  ntk_lambda 4  weight_norm_ratio 1\n');
  });

  it('prints the summary block with the outcome, losses, curvature, learning rates, weight norm and time', () => {
    const out = new CapturedOutput(false);
    const sink = new ConsoleSink({ refreshMilliseconds: 200 }, out);
    sink.close(summary());
    expect(out.text).toBe(summaryBlock(summary()));
    expect(out.text).toBe(
      [
        '── uv-catapult (run run-1) ─────────────────────────────────',
        '  outcome            converged',
        '  steps              1234',
        '  loss convention    ½·Σ(f−y)²',
        '  loss               initial 0.8712  peak 185.4 (step 4)  final 3.2e-11',
        '  λ₀                 2.012',
        '  final λ            0.1234',
        '  η                  1.491',
        '  r = η·λ₀           3',
        '  final η·λ          0.184',
        '  weight-norm ratio  0.6712  (‖θ_T‖²/‖θ₀‖²)',
        '  wall time          1.23 s',
        '',
      ].join('\n'),
    );
  });

  it('shows the last step of a cancelled run before its summary, and NaN for a diverged one', () => {
    const out = new CapturedOutput(false);
    const clock = { now: 0 };
    const sink = new ConsoleSink({ refreshMilliseconds: 200 }, out, () => clock.now);
    sink.progress(stepEvent(0, 100));
    sink.progress(stepEvent(1, 100));
    sink.progress(stepEvent(2, 100, { loss: Number.NaN }));
    sink.close(summary({ outcome: 'diverged', finalLoss: Number.NaN, finalLambda: Number.NaN }));
    const lines = out.text.split('\n');
    expect(lines[0]).toMatch(/^\[\.+\]\s+0\/100 /);
    expect(lines[1]).toMatch(/^\[\.+\]\s+2\/100 {2}loss NaN /);
    expect(out.text).toMatch(/final NaN/);
    expect(out.text).toMatch(/outcome\s+diverged/);
  });

  it('ends the live line before the summary on a terminal', () => {
    const out = new CapturedOutput(true, 120);
    const sink = new ConsoleSink({ refreshMilliseconds: 200 }, out, () => 0);
    sink.progress(stepEvent(5, 10, { outcome: 'converged' }));
    sink.close(summary());
    expect(out.text.startsWith('\r[##########..........]  5/10  converged  loss 0.1667  lr 0.75\x1b[K\n── uv-catapult')).toBe(true);
  });
});
