import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisCluster, startRedisServer, type LocalRedis } from '../src/infra/redisServer.js';

/** Shared pieces of the benchmarks: a Redis on a free port, the service as a child process. */
export interface BenchEnv {
  /** Environment of the service process (for starting more processes against it). */
  processEnv: Record<string, string | undefined>;
  redis: LocalRedis;
  url: string;
  token: string;
  service: ChildProcess;
  stop(): Promise<void>;
}

/** The repo's config with rate limits off (a benchmark is one very busy client) and overrides per file. */
export function benchConfigDir(dir: string, patches: Record<string, Record<string, unknown>> = {}): string {
  const out = join(dir, 'config');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync('config')) if (f.endsWith('.yaml')) copyFileSync(join('config', f), join(out, f));
  const all = {
    ...patches,
    'service.yaml': { rateLimit: { gauge: 0, staff: 0, anonymous: 0, answerLink: 0, login: 0, loginFailures: 0 }, ...patches['service.yaml'] },
  };
  for (const [file, patch] of Object.entries(all)) {
    const doc = (parse(readFileSync(join(out, file), 'utf8')) ?? {}) as Record<string, unknown>;
    writeFileSync(join(out, file), stringify({ ...doc, ...patch }));
  }
  return out;
}

/** `cluster: true` runs the service on a local 3-node Redis Cluster (REDIS_URL=redis-cluster://…). */
export async function startBenchService(
  opts: { workers?: boolean; env?: Record<string, string>; config?: Record<string, Record<string, unknown>>; nodeArgs?: string[]; cluster?: boolean } = {},
): Promise<BenchEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'fangxun-bench-'));
  const configDir = benchConfigDir(dir, opts.config);
  const redis: LocalRedis = opts.cluster ? await startRedisCluster({ size: 3, dir }) : await startRedisServer({ port: await freePort(), dir });
  const port = await freePort();
  const token = 'bench-admin-token';
  const args = [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts', ...(opts.workers === false ? ['--api'] : [])];
  const processEnv = {
    ...process.env,
    PORT: String(port),
    REDIS_URL: redis.url,
    FANGXUN_ADMIN_TOKEN: token,
    FANGXUN_DEMO: '0',
    FANGXUN_CONFIG_DIR: configDir,
    SL651_PORT: '0',
    LOG_LEVEL: 'warn',
    FANGXUN_LINK_SECRET: 'bench-link-secret',
    FANGXUN_WEBHOOK_SECRET: 'bench-webhook-secret',
    ...opts.env,
  };
  const service = spawn(process.execPath, args, {
    env: processEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('service did not start within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    processEnv,
    redis,
    url,
    token,
    service,
    async stop() {
      service.kill('SIGTERM');
      await new Promise((r) => service.once('exit', r));
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One API call. A call that found the connection closed under it, or a 503 (`unavailable`:
 * nothing was stored), is sent again, as a gauge resends: on a loaded machine the service's
 * event loop can stall past the keep-alive timeout and close a socket a request was already on.
 */
export async function api(env: BenchEnv, method: string, path: string, body?: unknown, token = env.token): Promise<any> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${env.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (attempt < 3) continue;
      throw err;
    }
    const text = await res.text();
    if (res.status === 503 && text.includes('"code":"unavailable"') && attempt < 3) {
      await new Promise((r) => setTimeout(r, 1_000));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
}

/** A dataset of `n` rain stations spread over 20 townships. */
export function benchDataset(n: number) {
  const townships = Array.from({ length: 20 }, (_, i) => ({ id: `T${i}`, name: `测试镇${i}` }));
  const stations = Array.from({ length: n }, (_, i) => ({ id: `S${i}`, name: `测试站${i}`, kind: 'rain' as const, townshipId: `T${i % 20}` }));
  return { townships, stations };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * What gauges send in a storm: each call a new (station, observedAt), round-robin over
 * S0…S{stations-1}, one step apart per round, starting `from`.
 */
export function readingSequence(stations: number, opts: { from?: number; stepMs?: number; rainfallMm?: number } = {}) {
  const from = opts.from ?? Date.now() - 6 * 3_600_000;
  let n = 0;
  return () => {
    const i = n++;
    return {
      stationId: `S${i % stations}`,
      observedAt: new Date(from + Math.floor(i / stations) * (opts.stepMs ?? 1_000)).toISOString(),
      rainfallMm: opts.rainfallMm ?? 0.5,
    };
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
}

/** A load run with the CPU the process `pid` used meanwhile: µs per request over the whole process. */
export async function measuredLoad(pid: number, url: string, token: string | null, opts: { seconds: number; connections?: number; body: () => unknown }) {
  const before = cpuSeconds(pid);
  const r = await postLoad(url, token, opts);
  const cpu = cpuSeconds(pid) - before;
  return { r, cpu, usPerPost: (cpu / Math.max(1, r.requests.total)) * 1e6 };
}

/** autocannon POSTs to `url` for `seconds`, each with a fresh JSON body from `body()`. */
export function postLoad(url: string, token: string | null, opts: { seconds: number; connections?: number; body: () => unknown }) {
  return autocannon({
    url,
    method: 'POST',
    connections: opts.connections ?? 50,
    duration: opts.seconds,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: JSON.stringify(opts.body()) }) }],
  });
}
