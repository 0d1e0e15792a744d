import { resolve } from 'node:path';
import { ExitCode } from '../exit-code.js';
import { startDashboard } from './dashboard-server.js';

export interface DashboardCommandOptions {
  readonly port?: number;
  readonly host?: string;
  /** Where started runs go (`<runs>/<id>`) and finished ones are listed from; default ./runs. */
  readonly runs?: string;
  /** Aborting stops the dashboard: running runs are cancelled and flushed. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** `tdlab dashboard [--port N] [--host 127.0.0.1] [--runs DIR]`: serves the page until interrupted. */
export async function dashboardCommand(options: DashboardCommandOptions): Promise<number> {
  const dashboard = await startDashboard({ runsDir: resolve(options.runs ?? 'runs'), host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  options.log(`dashboard: ${dashboard.url}`);
  if (!options.signal.aborted) await new Promise<void>((done) => options.signal.addEventListener('abort', () => done(), { once: true }));
  await dashboard.close();
  return ExitCode.interrupted;
}
