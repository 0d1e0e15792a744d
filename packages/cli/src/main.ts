import { parseArgs } from 'node:util';
import { PluginError, StudySpecError, Tdlab } from '@tdlab/core';
import { ExitCode } from './exit-code.js';
import { firstPartyPlugins } from './first-party-plugins.js';
import { pluginsCommand } from './plugins-command.js';
import { runCommand } from './run-command.js';
import { validateCommand } from './validate-command.js';

const usage = `usage:
  tdlab run <study.yaml|json>... [--out DIR]   run studies; each writes a run directory
  tdlab validate <study>...                    check studies without running them
  tdlab plugins                                list plugins and their contributions' options

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
      options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
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
      case 'plugins':
        pluginsCommand(new Tdlab(firstPartyPlugins), log);
        return ExitCode.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (problem) {
    if (problem instanceof StudySpecError || problem instanceof PluginError || problem instanceof UsageError) {
      error(problem instanceof UsageError ? `${problem.message}\n${usage}` : problem.message);
      return ExitCode.badInput;
    }
    error(`study failed: ${problem instanceof Error ? (problem.stack ?? problem.message) : String(problem)}`);
    return ExitCode.studyFailed;
  }
}

class UsageError extends Error {}
