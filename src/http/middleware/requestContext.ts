import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { requestContext as logContext } from '../../lib/requestContext.js';
import { loggedPath } from '../routes/inbound.js';

const SENSIBLE_ID = /^[\w\-=]{1,255}$/;

/**
 * What every request needs, in one layer (fewer async layers on the hot ingest path): a request
 * id (the caller's X-Request-Id when sensible), a log context carrying it on every line written
 * meanwhile (pino mixin), the request metric, and a log line for failures (every request at debug).
 */
export function requestContext(svc: Pick<Services, 'metrics' | 'log'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let id = c.req.header('x-request-id');
    if (!id || !SENSIBLE_ID.test(id)) id = randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    const started = performance.now();
    await logContext.run({ requestId: id }, next);
    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    svc.metrics.requests.observe({ method: c.req.method, route: c.req.routePath, status: String(status) }, seconds);
    if (status >= 500)
      svc.log.warn({ requestId: id, method: c.req.method, path: loggedPath(c.req.path), status, ms: Math.round(seconds * 1000) }, 'request failed');
    else if (svc.log.isLevelEnabled('debug'))
      svc.log.debug({ requestId: id, method: c.req.method, path: loggedPath(c.req.path), status, ms: Math.round(seconds * 1000) }, 'request');
  };
}
