import { Hono } from 'hono';
import type { Services } from '../../../services.js';
import { requireRole, type AppEnv } from '../../auth.js';
import { ApiError, parseJson } from '../../errors.js';
import { STAFF_ROLES, type Principal } from '../../../auth/credentials.js';
import type { Response } from '../../../domain/responses/model.js';
import { limitParam } from '../../../store/streams.js';
import { seesResponse } from '../../../auth/scope.js';
import { adjustBody, endBody, listQuery, responsesApi, startBody } from './schema.js';
import { reply } from '../../api.js';
import { responseDetail, responseSummary } from './view.js';

/** Who acted, as stored on the act: the person behind the token, else role:tokenId. */
export function actor(p: Principal): string {
  return p.personId ?? `${p.role}:${p.id}`;
}

/**
 * HQ responses (应急响应): start, adjust, end, list, read. Duty officers and admins act;
 * a leader reads only the responses that told them.
 */
export function responseRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.use('/v1/responses', requireRole(...STAFF_ROLES));
  app.use('/v1/responses/*', requireRole(...STAFF_ROLES));

  const visible = async (r: Response, p: Principal) => {
    const callouts = await svc.responses.callouts(r);
    if (!seesResponse(p, callouts.values())) return null;
    return callouts;
  };

  app.post('/v1/responses', async (c) => {
    const body = await parseJson(c, startBody);
    const r = await svc.responses.start(
      { level: body.level, scope: body.scope, noticeNumber: body.notice, reason: body.reason, startsAt: body.startsAt ? Date.parse(body.startsAt) : undefined },
      actor(c.get('principal')!),
    );
    const ref = await svc.reference.snapshot();
    return reply(c, responsesApi.startResponse, responseDetail(r, await svc.responses.callouts(r), ref));
  });

  app.get('/v1/responses', async (c) => {
    const parsed = listQuery.safeParse(c.req.query('status'));
    if (!parsed.success) throw new ApiError(400, 'validation_failed', 'status must be active or ended');
    const limit = limitParam(c.req.query('limit'), 100, 1000);
    const p = c.get('principal')!;
    const out = [];
    for (const r of await svc.responses.store.list(limit)) {
      if (parsed.data && r.status !== parsed.data) continue;
      if (p.role === 'leader' && !(await visible(r, p))) continue;
      out.push(responseSummary(r));
    }
    return reply(c, responsesApi.listResponses, out);
  });

  app.get('/v1/responses/:id', async (c) => {
    const r = await svc.responses.get(c.req.param('id'));
    const callouts = r ? await visible(r, c.get('principal')!) : null;
    if (!r || !callouts) throw new ApiError(404, 'not_found', 'No such response; GET /v1/responses lists them');
    return reply(c, responsesApi.getResponse, responseDetail(r, callouts, await svc.reference.snapshot()));
  });

  app.post('/v1/responses/:id/adjust', async (c) => {
    const body = await parseJson(c, adjustBody);
    const r = await svc.responses.adjust(
      c.req.param('id'),
      { level: body.level, townships: body.townships, noticeNumber: body.notice, reason: body.reason },
      actor(c.get('principal')!),
    );
    return reply(c, responsesApi.adjustResponse, responseDetail(r, await svc.responses.callouts(r), await svc.reference.snapshot()));
  });

  app.post('/v1/responses/:id/end', async (c) => {
    const body = await parseJson(c, endBody);
    const r = await svc.responses.end(c.req.param('id'), { noticeNumber: body.notice, reason: body.reason }, actor(c.get('principal')!));
    return reply(c, responsesApi.endResponse, responseDetail(r, await svc.responses.callouts(r), await svc.reference.snapshot()));
  });
  return app;
}
