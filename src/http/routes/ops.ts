import { Hono } from 'hono';
import type { HttpServices } from '../../services.js';
import type { AppEnv } from '../auth.js';
import type { z } from 'zod';
import { reply } from '../api.js';
import { opsApi, type readySchema } from './ops.api.js';
import { storeFault } from '../../queue/storeFault.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readEnv } from '../../config/env.js';

/** Compares in constant time (over hashes, so the length of the secret does not show either). */
export function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/** Operations: readiness, Prometheus metrics. (Security headers: middleware/securityHeaders.ts.) */
export function opsRoutes(svc: HttpServices, metricsToken = readEnv().metricsToken) {
  const app = new Hono<AppEnv>();

  /**
   * Ready when Redis answers and takes writes (a Redis out of memory answers PING but refuses
   * every write), every queue is running (not paused) with a worker somewhere, and evaluation
   * keeps up. Public: it names what is wrong, never an error text from Redis.
   */
  app.get('/readyz', async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await svc.health.write(svc.now());
      checks.redis = { ok: true };
    } catch (err) {
      const fault = storeFault(err);
      svc.log.warn({ err }, 'readyz: Redis check failed');
      checks.redis = { ok: false, detail: fault === 'store_full' ? 'the data store is full: writes are refused' : 'the data store is not reachable' };
    }
    if (checks.redis.ok) {
      for (const q of svc.queues) {
        const [workers, paused] = await Promise.all([q.getWorkersCount().catch(() => 0), q.isPaused().catch(() => false)]);
        checks[`queue:${q.name}`] = paused
          ? { ok: false, detail: 'the queue is paused: its jobs wait' }
          : workers > 0
            ? { ok: true, detail: `${workers} worker connection(s)` }
            : { ok: false, detail: 'no worker is working this queue' };
      }
      const oldest = await svc.health.oldestWaiting();
      const lag = oldest !== null ? (svc.now() - oldest) / 1000 : 0;
      checks.evaluation =
        lag < 60 ? { ok: true, detail: `lag ${lag.toFixed(1)} s` } : { ok: false, detail: `readings wait ${lag.toFixed(0)} s for evaluation` };
    }
    const ok = Object.values(checks).every((x) => x.ok);
    const body: z.input<typeof readySchema> = { status: ok ? 'ready' : 'not ready', checks };
    return ok ? reply(c, opsApi.ready, body) : c.json(body, 503);
  });

  app.get('/metrics', async (c) => {
    const token = metricsToken;
    if (token && !sameSecret(c.req.header('authorization') ?? '', `Bearer ${token}`))
      return c.text('metrics need Authorization: Bearer <FANGXUN_METRICS_TOKEN>\n', 401);
    c.header('Content-Type', svc.metrics.registry.contentType);
    return c.body(await svc.metrics.registry.metrics());
  });
  return app;
}
