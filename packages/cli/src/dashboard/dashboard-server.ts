import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PluginError, StudySpecError } from '@tdlab/core';
import { dashboardPage } from './dashboard-page.js';
import { DashboardRuns } from './dashboard-runs.js';
import { findStudies } from './find-studies.js';

export interface DashboardOptions {
  readonly runsDir: string;
  readonly host?: string;
  readonly port?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly runs: DashboardRuns;
  /** Cancels the running runs (their sinks flush), ends every stream and closes the server. */
  close(): Promise<void>;
}

/**
 * The dashboard's HTTP server (node:http):
 * - `GET /` — the page (one self-contained HTML file, inline script, SVG curves);
 * - `GET /api/studies` — the study files found under examples/*\/studies;
 * - `GET /api/runs` — every run (started here, or found in the runs directory) with its status;
 * - `POST /api/runs` `{ "study": "<path>" }` — starts a study; 201 with the run, 400 if invalid;
 * - `GET /api/runs/<id>/events` — server-sent events `info`, `metric`, `step`, `end`, `failed`,
 *   replayed from the start for every subscriber (`Last-Event-ID` resumes);
 * - `POST /api/runs/<id>/cancel` — cancels a running run.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const runs = new DashboardRuns(options.runsDir);
  const server = createServer((request, response) => {
    handle(runs, request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    runs,
    close: async () => {
      await runs.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(runs: DashboardRuns, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const method = request.method ?? 'GET';
  if (method === 'GET' && path === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(dashboardPage);
    return;
  }
  if (method === 'GET' && path === '/api/studies') return json(response, 200, findStudies());
  if (path === '/api/runs' && method === 'GET') return json(response, 200, await runs.list());
  if (path === '/api/runs' && method === 'POST') {
    const body = (await readJson(request)) as { study?: unknown } | undefined;
    if (typeof body?.study !== 'string' || body.study === '') return json(response, 400, { error: 'POST /api/runs needs a JSON body { "study": "<path to a study file>" }' });
    try {
      return json(response, 201, await runs.start(body.study));
    } catch (error) {
      if (error instanceof StudySpecError || error instanceof PluginError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
        return json(response, 400, { error: (error as Error).message });
      }
      throw error;
    }
  }
  const match = /^\/api\/runs\/([^/]+)\/(events|cancel)$/.exec(path);
  if (match) {
    const id = decodeURIComponent(match[1]);
    if (match[2] === 'cancel' && method === 'POST') return json(response, runs.cancel(id) ? 202 : 409, { id });
    if (match[2] === 'events' && method === 'GET') {
      const log = await runs.events(id);
      if (log === undefined) return json(response, 404, { error: `no run ${id}` });
      log.subscribe(request, response);
      return;
    }
    return json(response, 405, { error: `${method} ${path} is not allowed` });
  }
  json(response, 404, { error: `not found: ${path}` });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }).end(`${JSON.stringify(body)}\n`);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 65_536) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
