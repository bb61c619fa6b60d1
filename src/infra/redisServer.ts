import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

/**
 * Starts a local `redis-server` in the production shape (AOF on, noeviction, hz 100).
 * Used by the run command when no Redis answers, and by the test setup.
 */
export const REDIS_SERVER_ARGS = [
  '--appendonly', 'yes',
  '--appendfsync', 'everysec',
  '--maxmemory-policy', 'noeviction',
  '--hz', '100',
  // A station's day of 5-minute readings stays a compact listpack.
  '--hash-max-listpack-entries', '1024',
  '--hash-max-listpack-value', '64',
];

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function pingRedis(url: string, timeoutMs = 1_500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export interface LocalRedis {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedisServer(opts: { port: number; dir: string; extraArgs?: string[]; quiet?: boolean }): Promise<LocalRedis> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(opts.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...REDIS_SERVER_ARGS, ...(opts.extraArgs ?? [])], {
    stdio: opts.quiet === false ? 'inherit' : 'ignore',
  });
  const url = `redis://127.0.0.1:${opts.port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} (port ${opts.port}, dir ${dir})`);
    if (await pingRedis(url, 200)) {
      return {
        url,
        process: child,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${opts.port}`);
}

/** Host and port of a redis:// URL when it points at this machine, else null. */
export function localTarget(url: string): { port: number } | null {
  try {
    const u = new URL(url);
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) return null;
    return { port: Number(u.port || 6379) };
  } catch {
    return null;
  }
}
