import { z } from 'zod';
import { operations } from '../api.js';

/** Operations: liveness, readiness, Prometheus metrics. */
export const readySchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z
    .record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() }))
    .meta({ description: 'redis, queue:<name> (a worker per queue), evaluation (lag)' }),
});

export const opsApi = operations({
  health: {
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    tag: 'Operations',
    roles: ['none'],
    status: 200,
    response: z.object({ status: z.literal('ok') }),
    example: { status: 'ok' },
  },
  ready: {
    method: 'get',
    path: '/readyz',
    summary: 'Redis answers, every queue has a worker, evaluation keeps up (503 otherwise, same body)',
    tag: 'Operations',
    roles: ['none'],
    status: 200,
    response: readySchema,
    errors: [503],
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format 0.0.4)',
    tag: 'Operations',
    roles: ['none'],
    status: 200,
    produces: 'text/plain',
  },
});
