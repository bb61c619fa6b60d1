import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { isClusterUrl, parseClusterUrl } from '../store/redis.js';

/**
 * Starts a local `redis-server` in the production shape (AOF on, noeviction, hz 100).
 * Used by the run command when no Redis answers, and by the test setup.
 */
export const REDIS_SERVER_ARGS = [
  '--appendonly',
  'yes',
  '--appendfsync',
  'everysec',
  '--maxmemory-policy',
  'noeviction',
  '--hz',
  '100',
  // A station's day of 5-minute readings, and its state (fields of up to 512 bytes), stay compact listpacks.
  '--hash-max-listpack-entries',
  '1024',
  '--hash-max-listpack-value',
  '512',
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

/** True when a Redis answers at `url`; for a `redis-cluster://` URL, when any seed node does. */
export async function pingRedis(url: string, timeoutMs = 1_500): Promise<boolean> {
  if (isClusterUrl(url)) {
    const { nodes, username, password } = parseClusterUrl(url);
    return (await Promise.all(nodes.map((n) => ping({ ...n, username, password }, timeoutMs)))).some(Boolean);
  }
  return ping(url, timeoutMs);
}

async function ping(target: string | RedisOptions, timeoutMs: number): Promise<boolean> {
  const options: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: timeoutMs };
  const client = typeof target === 'string' ? new Redis(target, options) : new Redis({ ...target, ...options });
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
  const child = spawn(
    'redis-server',
    ['--port', String(opts.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...REDIS_SERVER_ARGS, ...(opts.extraArgs ?? [])],
    {
      stdio: opts.quiet === false ? 'inherit' : 'ignore',
    },
  );
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

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolveFree(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolveFree(true)));
  });
}

/** A free port whose cluster-bus port (port + 10000) is free too. */
export async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portFree(port)) && (await portFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a cluster node');
}

/** A local cluster; usable where a LocalRedis is expected (`process` is its first node's). */
export interface LocalCluster extends LocalRedis {
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…` */
  url: string;
  nodes: LocalRedis[];
}

/**
 * Starts a local Redis Cluster of `size` masters (no replicas), each a `redis-server
 * --cluster-enabled yes` in the production shape, joined with `redis-cli --cluster create`,
 * and waits until every node reports `cluster_state:ok`. For the test suite and benchmarks.
 */
export async function startRedisCluster(opts: { size?: number; dir: string }): Promise<LocalCluster> {
  const size = opts.size ?? 3;
  const nodes: LocalRedis[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const port = await freeClusterPort();
      nodes.push(
        await startRedisServer({
          port,
          dir: resolve(opts.dir, `node-${port}`),
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
        }),
      );
    }
    const addresses = nodes.map((n) => n.url.replace('redis://', ''));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    for (let i = 0; ; i++) {
      const states = await Promise.all(nodes.map((n) => clusterState(n.url)));
      if (states.every((s) => s === 'ok')) break;
      if (i > 200) throw new Error(`cluster did not become ok: ${states.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      url: `redis-cluster://${addresses.join(',')}`,
      nodes,
      process: nodes[0]!.process,
      stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
    };
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
}

async function clusterState(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = String(await client.call('CLUSTER', 'INFO'));
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    client.disconnect();
  }
}
