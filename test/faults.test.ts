import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { freePort, startRedisServer, type LocalRedis } from '../src/infra/redisServer.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { ADMIN_TOKEN, beijing, smallDataset, testConfig, TEST_ENV, waitFor } from './helpers.js';

/**
 * Faults told truthfully: Redis out of memory (noeviction) gives 503 store_full, /readyz says
 * not ready without Redis's own words, workers back off instead of logging thousands of errors;
 * a paused queue is not ready either. On a Redis of its own (maxmemory is server-wide).
 */
let redis: LocalRedis;
let dir: string;
let runtime: Runtime;
const lines: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fangxun-oom-'));
  redis = await startRedisServer({ port: await freePort(), dir });
  const config = testConfig((c) => (c.service.evaluation.sweepEvery = 200));
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  runtime = await createRuntime({ config, redisUrl: redis.url, prefix: 'oom', adminToken: ADMIN_TOKEN, env: TEST_ENV, workers: true, schedulers: true, log });
  const ok = await runtime.services.reference.importDataset(smallDataset());
  if (!ok.ok) throw new Error('import failed');
});
afterAll(async () => {
  await runtime.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

const request = async (method: string, path: string, body?: unknown) => {
  const res = await runtime.app.request(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : null };
};

describe('Redis out of memory', () => {
  it('answers 503 store_full, is not ready, and the workers back off', async () => {
    expect((await request('POST', '/v1/readings', { stationId: 'R1', observedAt: beijing(Date.now() - 60_000), rainfallMm: 1 })).status).toBe(202);
    await waitFor(async () => (await request('GET', '/readyz')).status === 200, 10_000, 'ready');
    const admin = runtime.services.redis;
    await admin.config('SET', 'maxmemory', '1'); // every write is refused from now on
    try {
      const refused = await request('POST', '/v1/readings', { stationId: 'R1', observedAt: beijing(Date.now()), rainfallMm: 2 });
      expect(refused.status).toBe(503);
      expect(refused.json.error.code).toBe('store_full');
      const ready = await request('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json.checks.redis).toEqual({ ok: false, detail: 'the data store is full: writes are refused' });
      expect(ready.text).not.toMatch(/OOM|maxmemory|command not allowed/);
      const before = lines.length;
      await new Promise((r) => setTimeout(r, 3_000)); // sweeps are due every 200 ms
      const during = lines.slice(before);
      expect(during.length, during.join('')).toBeLessThanOrEqual(8);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await waitFor(async () => (await request('GET', '/readyz')).status === 200, 15_000, 'ready again');
    expect((await request('POST', '/v1/readings', { stationId: 'R1', observedAt: beijing(Date.now()), rainfallMm: 2 })).status).toBe(202);
  });
});

describe('queues', () => {
  it('a paused alerts queue is not ready', async () => {
    const alerts = runtime.services.queues.find((q) => q.name.includes('alert'))!;
    await alerts.pause();
    try {
      const ready = await request('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json.checks[`queue:${alerts.name}`]).toEqual({ ok: false, detail: 'the queue is paused: its jobs wait' });
    } finally {
      await alerts.resume();
    }
    await waitFor(async () => (await request('GET', '/readyz')).status === 200, 10_000, 'ready again');
  });
});
