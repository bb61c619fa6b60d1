import { describe, expect, it } from 'vitest';
import { startService, smallDataset, beijing, waitFor, TEST_ENV } from './helpers.js';

/** Operations surface: readiness, metrics, security headers. */
describe('operations', () => {
  it('is ready only when every queue has a worker; metrics count what happened', async () => {
    const api = await startService();
    try {
      const notReady = await api.call('GET', '/readyz', { token: null });
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks['queue:evaluate']).toEqual({ ok: false, detail: 'no worker is working this queue' });
      expect(notReady.body.checks.redis.ok).toBe(true);

      await api.importData(smallDataset());
      const key = await api.gaugeKey();
      await api.call('POST', '/v1/readings', {
        token: key,
        body: {
          readings: [
            { stationId: 'R1', observedAt: beijing(Date.now() - 60_000), rainfallMm: 1 },
            { stationId: 'NOPE', observedAt: beijing(Date.now()), rainfallMm: 1 },
          ],
        },
      });
      const metrics = await api.runtime.app.request('/metrics');
      const text = await metrics.text();
      expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
      expect(text).toMatch(/fangxun_readings_total\{outcome="accepted"\} 1/);
      expect(text).toMatch(/fangxun_readings_total\{outcome="rejected"\} 1/);
      expect(text).toMatch(/fangxun_evaluation_lag_seconds \d/);
      expect(text).toMatch(/fangxun_queue_jobs\{queue="evaluate",state="waiting"\}/);
      expect(text).toMatch(/fangxun_alerts_open\{level="II"\} 0/);
      expect(text).toMatch(/fangxun_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v1\/readings",status="202"\}/);
    } finally {
      await api.close();
    }
  });

  it('answers ready with workers running, and sets security headers', async () => {
    const svc = await startService({ workers: true });
    try {
      const ready = await waitFor(
        async () => {
          const r = await svc.call('GET', '/readyz', { token: null });
          return r.status === 200 ? r : null;
        },
        5_000,
        'ready',
      );
      expect(ready.body.status).toBe('ready');
      const res = await svc.call('GET', '/healthz', { token: null });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await svc.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After per key, without slowing other keys', async () => {
    const { testConfig } = await import('./helpers.js');
    const svc = await startService({ config: testConfig((c) => Object.assign(c.service.rateLimit, { gauge: 5, staff: 1000, anonymous: 2 })) });
    try {
      await svc.importData(smallDataset());
      const a = await svc.gaugeKey();
      const b = await svc.gaugeKey();
      const post = (key: string, i: number) =>
        svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R1', observedAt: beijing(Date.now() - i * 1000), rainfallMm: 0 } });
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await post(a, i)).status);
      expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
      const limited = await post(a, 10);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.body.error.code).toBe('rate_limited');
      expect((await post(b, 20)).status).toBe(202);
      // Anonymous callers (answer links) are limited per address.
      const anon = [];
      for (let i = 0; i < 3; i++) anon.push((await svc.call('GET', '/a/nope.nope', { token: null })).status);
      expect(anon).toEqual([404, 404, 429]);
    } finally {
      await svc.close();
    }
  });
});

describe('logs', () => {
  it('puts the request id on every line written during a request, and never a token', async () => {
    const { Writable } = await import('node:stream');
    const { pino } = await import('pino');
    const { requestMixin } = await import('../src/lib/requestContext.js');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const { createRuntime } = await import('../src/runtime.js');
    const { testConfig } = await import('./helpers.js');
    const { inject } = await import('vitest');
    const runtime = await createRuntime({
      config: testConfig(),
      redisUrl: inject('redisUrl'),
      prefix: `t-logs-${Date.now()}`,
      adminToken: 'log-test-admin',
      env: TEST_ENV,
      log: pino({ level: 'info', mixin: requestMixin }, sink),
    });
    try {
      const res = await runtime.app.request('/v1/admin/gauge-keys', {
        method: 'POST',
        headers: { authorization: 'Bearer log-test-admin', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', stations: ['*'] }),
      });
      const created = (await res.json()) as { key: string };
      const requestId = res.headers.get('x-request-id');
      const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'gauge key created');
      expect(line).toMatchObject({ requestId });
      expect(lines.join('\n')).not.toContain(created.key);
      expect(lines.join('\n')).not.toContain('log-test-admin');
    } finally {
      await runtime.close();
    }
  });
});

describe('queue dashboard', () => {
  it('serves bull-board at /admin/queues to admins only, with its assets', async () => {
    const svc = await startService();
    try {
      const duty = await svc.token('duty');
      expect((await svc.runtime.app.request('/admin/queues')).status).toBe(401);
      expect((await svc.runtime.app.request('/admin/queues', { headers: { authorization: `Bearer ${duty}` } })).status).toBe(403);
      const page = await svc.runtime.app.request('/admin/queues', { headers: { authorization: 'Bearer test-admin-token' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('fangxun queues');
      const api = await svc.runtime.app.request('/admin/queues/api/queues', { headers: { authorization: 'Bearer test-admin-token' } });
      expect(api.status).toBe(200);
      const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
      expect(names).toEqual(['alerts', 'evaluate']);
      const asset = /src="(static\/js\/main[^"]+\.js)"/.exec(html)?.[1]; // relative to <base href="/admin/queues/">
      expect(asset).toBeTruthy();
      const js = await svc.runtime.app.request(`/admin/queues/${asset}`, { headers: { authorization: 'Bearer test-admin-token' } });
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect((await svc.runtime.app.request('/admin/queues/', { headers: { authorization: 'Bearer test-admin-token' } })).status).toBe(302);
    } finally {
      await svc.close();
    }
  });
});
