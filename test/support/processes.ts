import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, startRedisCluster, startRedisServer, type LocalRedis } from '../../src/infra/redisServer.js';

/**
 * The service as real processes for the chaos tests: a redis-server with AOF in its own
 * directory, API and worker processes that can be killed with SIGKILL and started again.
 */
export interface Deployment {
  dir: string;
  redis: LocalRedis;
  redisPort: number;
  configDir: string;
  token: string;
  api(): Promise<{ url: string; proc: ChildProcess }>;
  worker(): ChildProcess;
  restartRedis(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

/** `cluster: true` puts the processes on a local 3-node Redis Cluster (no restart then). */
export async function deploy(patch: { service?: Record<string, unknown>; policy?: Record<string, unknown>; cluster?: boolean } = {}): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'fangxun-chaos-'));
  const configDir = join(dir, 'config');
  mkdirSync(configDir);
  for (const f of readdirSync('config')) if (f.endsWith('.yaml')) copyFileSync(join('config', f), join(configDir, f));
  const merge = (file: string, extra: Record<string, unknown> = {}) => {
    const doc = (parse(readFileSync(join(configDir, file), 'utf8')) ?? {}) as Record<string, unknown>;
    writeFileSync(join(configDir, file), stringify({ ...doc, ...extra }));
  };
  merge('service.yaml', { rateLimit: { gauge: 0, staff: 0, anonymous: 0, answerLink: 0, login: 0, loginFailures: 0 }, ...patch.service });
  // Each SMS alone, at once (as testConfig does): the chaos suites time escalations, not bundles.
  merge('policy.yaml', { delivery: { attempts: 4, backoff: '2s', concurrency: 20, bundleWithin: '0s' }, ...patch.policy });
  const redisPort = await freePort();
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir);
  let redis: LocalRedis = patch.cluster ? await startRedisCluster({ size: 3, dir: redisDir }) : await startRedisServer({ port: redisPort, dir: redisDir });
  const token = 'chaos-admin-token';
  const procs = new Set<ChildProcess>();
  const env = {
    ...process.env,
    REDIS_URL: redis.url,
    FANGXUN_ADMIN_TOKEN: token,
    FANGXUN_CONFIG_DIR: configDir,
    FANGXUN_DEMO: '0',
    FANGXUN_DRILL: '1',
    SL651_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  const run = (args: string[], extra: Record<string, string> = {}) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
    procs.add(p);
    p.once('exit', () => procs.delete(p));
    return p;
  };
  const d: Deployment = {
    dir,
    redis,
    redisPort,
    configDir,
    token,
    async api() {
      const port = await freePort();
      const proc = run(['src/main.ts', '--api'], { PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          if ((await fetch(`${url}/healthz`)).ok) return { url, proc };
        } catch {
          /* starting */
        }
        if (Date.now() > deadline) throw new Error('API did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    worker: () => run(['workers/main.ts']),
    async stopRedis() {
      await redis.stop();
    },
    async startRedis() {
      if (patch.cluster) throw new Error('deploy: restarting a cluster is not supported');
      redis = await startRedisServer({ port: redisPort, dir: redisDir });
      d.redis = redis;
    },
    async restartRedis() {
      await d.stopRedis();
      await d.startRedis();
    },
    async close() {
      for (const p of procs) p.kill('SIGKILL');
      await redis.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return d;
}

export async function http(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, ms: Date.now() - started };
}
