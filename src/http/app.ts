import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Services } from '../services.js';
import { authenticate, guardOperations, type AppEnv } from './auth.js';
import { OPERATIONS } from './openapi.js';
import { ApiError, fromAppError, sendError } from './errors.js';
import { readingRoutes } from './routes/readings.js';
import { stationRoutes } from './routes/stations.js';
import { townshipRoutes } from './routes/townships.js';
import { adminRoutes } from './routes/admin.js';
import { alertRoutes } from './routes/alerts.js';
import { responseRoutes } from './routes/responses/index.js';
import { cityRoutes } from './routes/city.js';
import { capRoutes } from './routes/cap.js';
import { noticeRoutes } from './routes/notices.js';
import { referenceRoutes } from './routes/reference.js';
import { rosterRoutes } from './routes/roster.js';
import { answerRoutes } from './routes/answer.js';
import { boardRoutes } from '../ui/routes.js';
import { queueDashboard } from './routes/queues.js';
import { opsRoutes } from './routes/ops.js';
import { requestContext } from './middleware/requestContext.js';
import { securityHeaders } from './middleware/securityHeaders.js';
import { bodyLimit } from './middleware/bodyLimit.js';
import { docsRoutes } from './routes/docs.js';
import { answerLinkLimit, loginLimit, rateLimit, TokenBuckets } from './rateLimit.js';
import { ClientAddresses } from './clientAddress.js';
import { inboundRoutes, loggedPath } from './routes/inbound.js';
import { warningRoutes } from './routes/warnings.js';
import { peopleRoutes } from './routes/people.js';
import { reply } from './api.js';
import { opsApi } from './routes/ops.api.js';
import { storeFault } from '../queue/storeFault.js';
import { LogSampler } from '../lib/logSampler.js';
import { AppError } from '../domain/errors.js';

/** The HTTP API. Thin: parse, authorise, call the service, shape the answer. */
export function createApp(svc: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const faultLog = new LogSampler(10_000, Date.now);
  app.use('*', requestContext(svc));
  app.use('*', securityHeaders());
  const maxBody = svc.config.service.ingest.maxBodyBytes;
  app.use(
    '*',
    bodyLimit(maxBody, (c) => sendError(c, 413, 'body_too_large', `The request body is larger than ${maxBody} bytes; send smaller batches`)),
  );

  app.get('/healthz', (c) => reply(c, opsApi.health, { status: 'ok' }));
  app.route('/', opsRoutes(svc));
  app.route('/', docsRoutes(svc));

  const limits = svc.config.service.rateLimit;
  const clients = new ClientAddresses(svc.config.service.trustedProxies);
  const buckets = new TokenBuckets(Date.now, limits.maxBuckets);
  app.use('/v1/*', authenticate(svc));
  app.use('/v1/*', rateLimit(limits, clients, buckets));
  app.use('/a/*', answerLinkLimit(limits, clients, buckets, svc.links, svc.now));
  app.use('/board/login', loginLimit(limits, clients, buckets));
  app.use('/board/login/:step', loginLimit(limits, clients, buckets)); // code and verify; not /board/login twice
  guardOperations(app, OPERATIONS);
  app.route('/', readingRoutes(svc));
  app.route('/', stationRoutes(svc));
  app.route('/', townshipRoutes(svc));
  app.route('/', adminRoutes(svc));
  app.route('/', rosterRoutes(svc));
  app.route('/', referenceRoutes(svc));
  app.route('/', capRoutes(svc));
  app.route('/', alertRoutes(svc));
  app.route('/', responseRoutes(svc));
  app.route('/', cityRoutes(svc));
  app.route('/', noticeRoutes(svc));
  app.route('/', answerRoutes(svc));
  app.route('/', inboundRoutes(svc));
  app.route('/', warningRoutes(svc));
  app.route('/', peopleRoutes(svc));
  app.route('/', boardRoutes(svc));
  app.route('/', queueDashboard(svc));

  app.notFound((c) => sendError(c, 404, 'not_found', `No route ${c.req.method} "${c.req.path}"`));
  app.onError((err, c) => {
    const api = err instanceof AppError ? fromAppError(err) : err;
    if (api instanceof ApiError) return sendError(c, api.status, api.code, api.message, api.details);
    if (err instanceof HTTPException) return sendError(c, err.status, 'http_error', err.message || 'Request refused');
    const fault = storeFault(err);
    if (fault) {
      // One line per fault kind and 10 s, not one per request, while the store refuses work.
      faultLog.sample(fault, (suppressed) =>
        svc.log.error(
          { err, requestId: c.get('requestId'), path: loggedPath(c.req.path), suppressed },
          fault === 'store_full' ? 'Redis out of memory' : 'Redis unavailable',
        ),
      );
      c.header('Retry-After', '5');
      if (fault === 'store_full')
        return sendError(
          c,
          503,
          'store_full',
          'The data store is full (Redis reached maxmemory and refuses writes); nothing was stored. Retry shortly; operators must free memory or raise maxmemory.',
        );
      return sendError(c, 503, 'unavailable', 'The data store is not reachable right now; nothing was stored. Retry shortly.');
    }
    svc.log.error({ err, requestId: c.get('requestId'), path: loggedPath(c.req.path) }, 'unhandled error');
    return sendError(c, 500, 'internal', 'Something went wrong on our side; the error is logged with this request id');
  });
  return app;
}
