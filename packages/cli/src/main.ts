import { parseArgs } from 'node:util';
import { PluginError, StudySpecError, Tdlab } from '@tdlab/core';
import { dashboardCommand } from './dashboard/dashboard-command.js';
import { ExitCode } from './exit-code.js';
import { firstPartyPlugins } from './first-party-plugins.js';
import { pluginsCommand } from './plugins-command.js';
import { ReportInputError, reportCommand } from './report/report-command.js';
import { runCommand } from './run-command.js';
import { QueueConnectionError } from './sweep/queue-connection.js';
import { sweepCommand } from './sweep/sweep-command.js';
import { workerCommand } from './sweep/worker-command.js';
import { validateCommand } from './validate-command.js';

const usage = `usage:
  tdlab run <study.yaml|json>... [--out DIR]   run studies; each writes a run directory
  tdlab validate <study>...                    check studies without running them
  tdlab plugins                                list plugins and their contributions' options
  tdlab sweep <sweep.yaml> [--out DIR] [--workers N] [--queue redis://HOST:PORT]
                                               run every run of a study's sweep: section (worker
                                               pool, or a BullMQ queue served by tdlab worker),
                                               skip finished runs, write the summary table and
                                               the phase diagram
  tdlab worker --queue redis://HOST:PORT [--concurrency N]
                                               pull sweep runs from the queue and run them
  tdlab report <run-dir|sweep-dir> [--out DIR] an HTML report with SVG and PNG figures (loss, η·λ_t,
                                               weight norm, every probe; a sweep's phase diagram
                                               and summary table), default DIR <dir>/report
  tdlab dashboard [--port N] [--host 127.0.0.1] [--runs DIR]
                                               a live web page of the runs in DIR (default
                                               ./runs): start studies, watch their curves

exit codes: 0 ran to an outcome (converged, max-steps or diverged), 1 the study failed,
            2 bad input, 130 interrupted (sinks flushed)`;

/** The CLI; returns the exit code. Ctrl-C during `run` cancels the run and flushes every sink. */
export async function main(argv: readonly string[], log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const error = (line: string) => process.stderr.write(`${line}\n`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
        workers: { type: 'string' },
        queue: { type: 'string' },
        concurrency: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        runs: { type: 'string' },
      },
    });
  } catch (problem) {
    error(`${(problem as Error).message}\n${usage}`);
    return ExitCode.badInput;
  }
  const [command, ...files] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    log(usage);
    return command === undefined && !parsed.values.help ? ExitCode.badInput : ExitCode.ok;
  }
  try {
    switch (command) {
      case 'run': {
        if (files.length === 0) throw new UsageError('tdlab run needs at least one study file');
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          const result = await runCommand({ files, out: parsed.values.out, signal: controller.signal, log });
          return result.exitCode;
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
      }
      case 'validate':
        if (files.length === 0) throw new UsageError('tdlab validate needs at least one study file');
        await validateCommand(files, log);
        return ExitCode.ok;
      case 'sweep': {
        if (files.length !== 1) throw new UsageError('tdlab sweep needs exactly one study file with a sweep: section');
        return await withInterrupt((signal) =>
          sweepCommand({ file: files[0], out: parsed.values.out, workers: positiveInteger('--workers', parsed.values.workers), queue: parsed.values.queue, signal, log }),
        );
      }
      case 'worker': {
        if (parsed.values.queue === undefined) throw new UsageError('tdlab worker needs --queue redis://HOST:PORT');
        const queue = parsed.values.queue;
        return await withInterrupt((signal) => workerCommand({ queue, concurrency: positiveInteger('--concurrency', parsed.values.concurrency), signal, log }));
      }
      case 'report': {
        if (files.length !== 1) throw new UsageError('tdlab report needs exactly one run or sweep directory');
        await reportCommand({ dir: files[0], out: parsed.values.out, log });
        return ExitCode.ok;
      }
      case 'dashboard': {
        if (files.length !== 0) throw new UsageError('tdlab dashboard takes no positional arguments');
        const port = parsed.values.port === undefined ? 0 : Number(parsed.values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535 (was "${parsed.values.port}")`);
        const { host, runs } = parsed.values;
        return await withInterrupt((signal) => dashboardCommand({ port, host, runs, signal, log }));
      }
      case 'plugins':
        pluginsCommand(new Tdlab(firstPartyPlugins), log);
        return ExitCode.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (problem) {
    if (problem instanceof StudySpecError || problem instanceof PluginError || problem instanceof UsageError || problem instanceof ReportInputError) {
      error(problem instanceof UsageError ? `${problem.message}\n${usage}` : problem.message);
      return ExitCode.badInput;
    }
    if (problem instanceof QueueConnectionError) {
      error(problem.message);
      return ExitCode.studyFailed;
    }
    error(`study failed: ${problem instanceof Error ? (problem.stack ?? problem.message) : String(problem)}`);
    return ExitCode.studyFailed;
  }
}

class UsageError extends Error {}

/** Runs `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts. */
async function withInterrupt(work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** A --flag's value as a positive integer, or undefined when the flag is absent. */
function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} must be a positive integer (was "${value}")`);
  return number;
}
