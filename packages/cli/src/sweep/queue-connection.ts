import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections for the BullMQ queue of `tdlab sweep --queue` and `tdlab worker --queue`.
 *
 * BullMQ 6 loads its default driver (ioredis) with `require`, which native ESM does not have, so
 * tdlab builds the ioredis clients itself and hands them to Queue, QueueEvents and Worker (which
 * duplicate them for their blocking connections). The caller owns the clients and quits them.
 */

/** The queue every sweep uses unless told otherwise; a run's job id is its run id. */
export const defaultQueueName = 'tdlab-sweep';

/** Redis is not reachable, or the URL is not a Redis URL. */
export class QueueConnectionError extends Error {
  override name = 'QueueConnectionError';
}

/** The connection options of a redis://[user:password@]host[:port][/db] URL (rediss:// for TLS). */
export function parseRedisUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueConnectionError(`--queue must be a Redis URL like redis://HOST:PORT[/DB] (was "${url}")`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new QueueConnectionError(`--queue must be a redis:// or rediss:// URL (was "${url}")`);
  }
  if (parsed.hostname === '') throw new QueueConnectionError(`--queue URL "${url}" names no host`);
  const options: RedisOptions = { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: 6379 };
  if (parsed.port !== '') options.port = Number(parsed.port);
  const path = parsed.pathname.replace(/^\/+/, '');
  if (path !== '') {
    const db = Number(path);
    if (!Number.isInteger(db) || db < 0) throw new QueueConnectionError(`--queue URL "${url}": the database must be a number (was "/${path}")`);
    options.db = db;
  }
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Connects once, without retrying, and pings: throws a QueueConnectionError naming the URL when
 * Redis does not answer within `timeoutMs` (so a wrong URL fails in seconds, not in an endless
 * reconnect loop).
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...parseRedisUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // reported through the rejected connect below
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (problem) {
    throw new QueueConnectionError(`cannot reach Redis at ${displayUrl(url)}: ${(problem as Error).message || String(problem)}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * A long-lived client for BullMQ: maxRetriesPerRequest null (BullMQ requires it for blocking
 * connections) and a reconnect back-off capped at 2 s, so a worker rides out a Redis restart.
 * Check the URL with checkRedis first: this client keeps reconnecting.
 */
export function createRedis(url: string, log?: (line: string) => void): Redis {
  const client = new Redis({
    ...parseRedisUrl(url),
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  let lastReport = 0;
  client.on('error', (problem: Error) => {
    // ioredis reports each failed reconnect; say it at most every 5 s.
    const now = Date.now();
    if (log !== undefined && now - lastReport > 5000) {
      lastReport = now;
      log(`redis ${displayUrl(url)}: ${problem.message}`);
    }
  });
  return client;
}
