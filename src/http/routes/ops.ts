import { Hono, type Context } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import type { z } from 'zod';
import { reply } from '../api.js';
import { opsApi, readySchema } from './ops.api.js';

/** Operations: readiness, Prometheus metrics, security headers. */
/** Security headers on a finished response (HTML pages also get a Content-Security-Policy). */
export function setSecurityHeaders(c: Context<AppEnv>): void {
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', c.res.headers.get('Referrer-Policy') ?? 'same-origin');
  if ((c.res.headers.get('Content-Type') ?? '').includes('text/html') && !c.res.headers.get('Content-Security-Policy')) {
    c.header('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
  }
}

export function opsRoutes(svc: Services) {
  const app = new Hono<AppEnv>();

  /** Ready when Redis answers, every queue has a worker somewhere, and evaluation keeps up. */
  app.get('/readyz', async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await svc.redis.ping();
      checks.redis = { ok: true };
    } catch (err) {
      checks.redis = { ok: false, detail: (err as Error).message };
    }
    if (checks.redis.ok) {
      for (const q of svc.queues) {
        const workers = await q.getWorkersCount().catch(() => 0);
        checks[`queue:${q.name}`] = workers > 0 ? { ok: true, detail: `${workers} worker connection(s)` } : { ok: false, detail: 'no worker is working this queue' };
      }
      const oldest = await svc.redis.zrange(svc.keys.dirty(), 0, 0, 'WITHSCORES');
      const lag = oldest[1] ? (svc.now() - Number(oldest[1])) / 1000 : 0;
      checks.evaluation = lag < 60 ? { ok: true, detail: `lag ${lag.toFixed(1)} s` } : { ok: false, detail: `readings wait ${lag.toFixed(0)} s for evaluation` };
    }
    const ok = Object.values(checks).every((x) => x.ok);
    const body: z.input<typeof readySchema> = { status: ok ? 'ready' : 'not ready', checks };
    return ok ? reply(c, opsApi.ready, body) : c.json(body, 503);
  });

  app.get('/metrics', async (c) => {
    const token = process.env.FANGXUN_METRICS_TOKEN;
    if (token && c.req.header('authorization') !== `Bearer ${token}`) return c.text('metrics need Authorization: Bearer <FANGXUN_METRICS_TOKEN>\n', 401);
    c.header('Content-Type', svc.metrics.registry.contentType);
    return c.body(await svc.metrics.registry.metrics());
  });
  return app;
}
