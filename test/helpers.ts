import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { pino, type Logger } from 'pino';
import { loadConfig, type AppConfig } from '../src/config/load.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { evaluateDirty, type EngineContext } from '../src/evaluation/engine.js';
import { ReferenceStore } from '../src/reference/store.js';
import type { DatasetInput } from '../src/reference/schema.js';
import type { Channel } from '../src/channels/types.js';

export const ADMIN_TOKEN = 'test-admin-token';
/** Outside drill mode the service needs its secrets; tests give these. */
export const TEST_ENV: NodeJS.ProcessEnv = { ...process.env, FANGXUN_LINK_SECRET: 'test-link-secret', FANGXUN_WEBHOOK_SECRET: 'test-webhook-secret' };

/** The repo's config, with overrides for a test. */
export function testConfig(patch: (c: AppConfig) => void = () => undefined, opts: { shipped?: boolean } = {}): AppConfig {
  const config = structuredClone(loadConfig('config'));
  if (!opts.shipped) mechanicsCalibration(config);
  // Tests call the API far faster than any person; the rate-limit test turns limits back on.
  Object.assign(config.service.rateLimit, { gauge: 0, staff: 0, anonymous: 0, answerLink: 0, login: 0, loginFailures: 0 });
  // Each SMS alone, at once, unless a test is about bundling (test/sms-bundles.test.ts turns it on).
  config.policy.delivery.bundleWithin = 0;
  patch(config);
  return config;
}

/**
 * The calibration the mechanics tests (evaluation, escalation, board) are written against:
 * the rainstorm-signal colours as levels, and warnings whose liaison leader and head must
 * answer and arrive. The shipped calibration (config/levels.yaml, config/policy.yaml) has its
 * own tests: test/backtest.test.ts on the 2023-07-05 storm, and test/config.test.ts.
 */
export function mechanicsCalibration(c: AppConfig): void {
  c.levels.rainfall = [
    { window: '12h', mm: 50, level: 'IV' },
    { window: '6h', mm: 50, level: 'III' },
    { window: '3h', mm: 50, level: 'II' },
    { window: '3h', mm: 100, level: 'I' },
  ];
  c.levels.reservoir = [
    { over: 'floodLimit', by: 0, level: 'IV' },
    { over: 'design', by: 0, level: 'II' },
    { over: 'check', by: 0, level: 'I' },
  ];
  c.levels.city = { rainfall: [], townships: [] };
  const arrive = { IV: 4 * 3_600_000, III: 2 * 3_600_000, II: 3_600_000, I: 3_600_000 } as const;
  for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.levels[l] = { ...c.policy.levels[l], arriveWithin: arrive[l] };
  c.policy.levels.II.notify = ['liaison-leader', 'township-head', 'duty-officer', 'shift-leader', 'commander'];
  c.policy.levels.I.notify = ['liaison-leader', 'township-head', 'duty-officer', 'shift-leader', 'commander'];
  c.policy.mustAck = ['liaison-leader', 'township-head'];
}

/** Escalation and delivery fast enough for a test: one round of the chain, a 1 s sweep, quick retries, a fixed public URL. */
export function fastCallouts(c: AppConfig): void {
  c.policy.repeatEscalation = 1;
  c.policy.sweepEvery = 1_000;
  c.policy.delivery = { ...c.policy.delivery, attempts: 2, backoff: 100, concurrency: 10 };
  c.policy.publicUrl = 'http://fangxun.test';
}

export interface TestService {
  runtime: Runtime;
  /** Calls the API in-process (no socket), JSON in and out. */
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; raw?: string; contentType?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Evaluates everything dirty now, in this process (no worker needed). */
  evaluate(): ReturnType<typeof evaluateDirty>;
  engine: EngineContext;
  importData(data: DatasetInput): Promise<void>;
  gaugeKey(stations?: string[]): Promise<string>;
  /** A staff token of `role` (for `personId`, when given), created through the admin API. */
  token(role: 'admin' | 'duty' | 'leader', personId?: string): Promise<string>;
  close(): Promise<void>;
}

/** A service on the test Redis under its own key prefix, so test files never see each other. */
export async function startService(
  opts: {
    config?: AppConfig;
    workers?: boolean;
    now?: () => number;
    prefix?: string;
    drill?: boolean;
    channels?: Map<string, Channel>;
    log?: Logger;
    inboundSecrets?: Map<string, string>;
  } = {},
): Promise<TestService> {
  const config = opts.config ?? testConfig();
  const now = opts.now ?? Date.now;
  const log = opts.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const runtime = await createRuntime({
    config,
    redisUrl: inject('redisUrl'),
    prefix: opts.prefix ?? `t-${randomUUID().slice(0, 8)}`,
    drill: opts.drill,
    channels: opts.channels,
    inboundSecrets: opts.inboundSecrets,
    adminToken: ADMIN_TOKEN,
    env: TEST_ENV,
    workers: opts.workers ?? false,
    schedulers: opts.workers ?? false,
    now,
    log,
  });
  const { services } = runtime;
  const engine: EngineContext = {
    redis: services.redis,
    keys: services.keys,
    config,
    reference: new ReferenceStore(services.redis, services.keys, now, 0),
    now,
    log,
  };
  const svc: TestService = {
    runtime,
    engine,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = {};
      const token = o.token === undefined ? ADMIN_TOKEN : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.raw !== undefined) {
        body = o.raw;
        headers['content-type'] = o.contentType ?? 'application/json';
      } else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      }
      const res = await runtime.app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    evaluate: () => evaluateDirty(engine),
    async importData(data) {
      const result = await services.reference.importDataset(data);
      if (!result.ok) throw new Error(`import failed: ${JSON.stringify(result.issues)}`);
      services.reference.invalidate();
    },
    async gaugeKey(stations = ['*']) {
      const res = await svc.call('POST', '/v1/admin/gauge-keys', { body: { name: 'test gauge', stations } });
      if (res.status !== 201) throw new Error(`gauge key: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.key as string;
    },
    async token(role, personId) {
      const res = await svc.call('POST', '/v1/admin/tokens', { body: { role, ...(personId ? { personId } : {}) } });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    close: () => runtime.close(),
  };
  return svc;
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** ISO 8601 in +08:00 for an instant, as Chinese gauges send it. */
export function beijing(t: number): string {
  const local = new Date(t + 8 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
}

export const MIN = 60_000;
export const HOUR = 3_600_000;

/** A small dataset: one township with a rain gauge, a river station and a reservoir. */
export function smallDataset(): Required<DatasetInput> {
  return {
    townships: [
      { id: '341881001', name: '西津街道', commandPost: { lat: 30.63, lon: 118.98 } },
      { id: '341881100', name: '港口镇', commandPost: { lat: 30.7, lon: 118.93 } },
    ],
    stations: [
      { id: 'R1', name: '西津雨量站', kind: 'rain', townshipId: '341881001', bounds: { maxRainPer5Min: 60 } },
      { id: 'R2', name: '西津第二雨量站', kind: 'rain', townshipId: '341881001', bounds: { maxRainPer5Min: 60 } },
      {
        id: 'W1',
        name: '西津河宁国站',
        kind: 'river',
        townshipId: '341881001',
        thresholds: { warning: 35.5, guarantee: 37.0, record: 38.2 },
        bounds: { minLevel: 20, maxLevel: 45 },
      },
      {
        id: 'K1',
        name: '港口湾水库',
        kind: 'reservoir',
        townshipId: '341881100',
        thresholds: {
          floodLimit: [
            { from: '05-01', to: '09-30', level: 133.0 },
            { from: '10-01', to: '04-30', level: 135.5 },
          ],
          design: 140.5,
          check: 142.0,
        },
        bounds: { minLevel: 100, maxLevel: 150 },
      },
    ],
    people: [
      { id: 'p-a', name: '市领导甲', title: '副市长', cityRoles: ['commander'], contacts: [{ channel: 'sms', to: '+8613800000000' }] },
      { id: 'p-b', name: '值班员乙' },
    ],
    assignments: [{ townshipId: '341881001', personId: 'p-a', role: 'liaison-leader' }],
    shifts: [],
  };
}

/**
 * People for the alert tests: each reachable by webhook at `${hookBase}/<personId>`
 * (and some by SMS), a shift covering `now`, a commander.
 */
export function alertDataset(hookBase: string, now = Date.now()): Required<DatasetInput> {
  const data = smallDataset();
  const hook = (id: string) => ({ channel: 'webhook' as const, to: `${hookBase}/${id}` });
  data.people = [
    { id: 'p-lead', name: '市领导甲', title: '副市长', contacts: [hook('p-lead'), { channel: 'sms', to: '+8613800000001' }] },
    { id: 'p-head', name: '西津街道主任', contacts: [hook('p-head'), { channel: 'sms', to: '+8613800000002' }] },
    { id: 'p-duty', name: '值班员乙', contacts: [hook('p-duty')] },
    { id: 'p-shift', name: '带班领导丙', contacts: [hook('p-shift')] },
    { id: 'p-cmd', name: '指挥长丁', cityRoles: ['commander'], contacts: [hook('p-cmd')] },
    { id: 'p-port', name: '港口镇镇长', contacts: [hook('p-port')] },
  ];
  data.assignments = [
    { townshipId: '341881001', personId: 'p-lead', role: 'liaison-leader' },
    { townshipId: '341881001', personId: 'p-head', role: 'township-head' },
    { townshipId: '341881100', personId: 'p-port', role: 'township-head' },
    { townshipId: '341881100', personId: 'p-lead', role: 'liaison-leader' },
  ];
  data.shifts = [
    {
      id: 'shift-now',
      start: new Date(now - HOUR).toISOString(),
      end: new Date(now + 24 * HOUR).toISOString(),
      leaderId: 'p-shift',
      officerIds: ['p-duty'],
      phone: '0563-4012345',
    },
  ];
  return data;
}

/** Every key of the database: on a Redis Cluster, of every master node. */
export async function allKeys(redis: import('ioredis').Redis): Promise<string[]> {
  const cluster = redis as unknown as { isCluster?: boolean; nodes?: (role: 'master') => import('ioredis').Redis[] };
  const nodes = cluster.isCluster ? cluster.nodes!('master') : [redis];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}
