import { Hono } from 'hono';
import type { HttpServices } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { ApiError, parseJson } from '../errors.js';
import { actorOf } from '../../store/audit.js';
import type { Silence } from '../../domain/staleGauges.js';
import { limitParam } from '../../store/streams.js';
import { reply } from '../api.js';
import { noticesApi, silenceBody } from './notices.api.js';

/**
 * Notices (daily report, reminders, gauge offline/recovered) and the scheduled duties:
 * read what went out, run a duty now, silence a broken station.
 */
export function noticeRoutes(svc: HttpServices) {
  const app = new Hono<AppEnv>();

  app.get('/v1/notices', async (c) => {
    const limit = limitParam(c.req.query('limit'), 50, 500);
    const list = await svc.notices.list(limit, c.req.query('kind'));
    return reply(
      c,
      noticesApi.listNotices,
      list.map((n) => ({ ...n, createdAt: new Date(n.createdAt).toISOString() })),
    );
  });

  app.get('/v1/notices/:id', async (c) => {
    const n = await svc.notices.get(c.req.param('id'));
    if (!n) throw new ApiError(404, 'not_found', `No notice "${c.req.param('id')}"`);
    return reply(c, noticesApi.getNotice, { ...n, createdAt: new Date(n.createdAt).toISOString() });
  });

  const duties: Record<string, () => Promise<unknown>> = {
    'daily-report': () => svc.scheduled.dailyReport(),
    'stale-gauges': () => svc.scheduled.staleGauges(),
    'shift-reminders': () => svc.scheduled.shiftReminders(),
    'roster-gaps': () => svc.scheduled.rosterGaps(),
  };

  /** Runs a scheduled duty now (what it sends is still deduplicated per day, shift or outage). */
  app.post('/v1/admin/duties/:name/run', async (c) => {
    const run = Object.hasOwn(duties, c.req.param('name')) ? duties[c.req.param('name')] : undefined;
    if (!run) throw new ApiError(404, 'not_found', `No duty "${c.req.param('name')}"; duties: ${Object.keys(duties).join(', ')}`);
    return reply(c, noticesApi.runDuty, { duty: c.req.param('name'), result: (await run()) ?? null });
  });

  app.get('/v1/admin/silences', async (c) => {
    const all = await svc.scheduled.silences();
    return reply(
      c,
      noticesApi.listSilences,
      [...all].map(([stationId, s]) => ({ stationId, ...s, until: new Date(s.until).toISOString(), active: s.until > svc.now() })),
    );
  });

  app.put('/v1/admin/stations/:id/silence', async (c) => {
    const id = c.req.param('id');
    const ref = await svc.reference.snapshot({ fresh: true });
    if (!ref.stations.has(id)) throw new ApiError(404, 'not_found', `No station "${id}"`);
    const body = await parseJson(c, silenceBody);
    const until = Date.parse(body.until);
    if (until <= svc.now()) throw new ApiError(422, 'validation_failed', 'until is in the past; a silence must end in the future');
    const silence: Silence = { until, reason: body.reason, by: actorOf(c.get('principal')).actor };
    await svc.silences.set(id, silence, actorOf(c.get('principal'), c.get('requestId')));
    return reply(c, noticesApi.silenceStation, { stationId: id, ...silence, until: new Date(until).toISOString() });
  });

  app.delete('/v1/admin/stations/:id/silence', async (c) => {
    const id = c.req.param('id');
    if (!(await svc.silences.remove(id, actorOf(c.get('principal'), c.get('requestId')))))
      throw new ApiError(404, 'not_found', `Station "${id}" is not silenced`);
    return c.body(null, 204);
  });

  return app;
}
