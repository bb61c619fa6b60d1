import { Hono } from 'hono';
import type { Services } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { townshipView } from '../views.js';
import { readStationViews } from './stations.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import { localParts } from '../../domain/hydroDay.js';
import type { ReferenceSnapshot } from '../../reference/store.js';
import { limitParam, streamFields } from '../../store/streams.js';
import { batch } from '../../store/batch.js';
import { coverage } from '../../domain/responses/acts.js';
import { reply } from '../api.js';
import { townshipWarning } from '../../store/townshipWarning.js';
import { outsideView } from './warnings.api.js';
import { stationsApi } from './stations.api.js';
import type { TownshipReason } from '../../domain/township.js';
import type { MaybeLevel } from '../../domain/levels.js';

function localDate(svc: Services): string {
  const p = localParts(svc.now(), svc.config.levels.timezone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

async function readTownships(svc: Services, ref: ReferenceSnapshot, ids: string[]) {
  const pipe = batch(svc.redis);
  for (const id of ids) pipe.hmget(svc.keys.township(id), 'state', 'since', 'alert', 'response');
  for (const id of ids) pipe.hgetall(svc.keys.outsideWarnings(id));
  const replies = (await pipe.exec()) ?? [];
  const covering = coverage((await svc.responses.store.active()).map((s) => s.response));
  const stationViews = await readStationViews(svc, ids.flatMap((id) => ref.stationsByTownship.get(id) ?? []));
  const today = localDate(svc);
  return ids.map((id, i) => {
    const [err, values] = replies[i] ?? [];
    if (err) throw err;
    const [stateJson = null, since = null, alert = null, callout = null] = values as Array<string | null>;
    const [outErr, outsideHash] = replies[ids.length + i] ?? [];
    if (outErr) throw outErr;
    // The warning level counts the outside warnings in force (POST /v1/warnings) beside the gauges.
    const combined = townshipWarning(stateJson, outsideHash as Record<string, string>, svc.now());
    const state = combined ? JSON.stringify(combined) : null;
    const outsideWarnings = outsideView(outsideHash as Record<string, string>, svc.now());
    const r = covering.get(id);
    // `level` is the warning (预警) from the gauges; `response` the HQ's decision in force (应急响应).
    const response = r ? { id: r.id, level: r.level, notice: r.noticeNumber, since: new Date([...r.acts].reverse().find((a) => a.townshipIds.includes(id))?.at ?? r.startsAt).toISOString(), calloutId: callout || null } : null;
    return { ...townshipView(ref, id, { state, since }, stationViews.filter((s) => s.townshipId === id), today), openAlertId: alert || null, response, outsideWarnings };
  });
}

export function townshipRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.use('/v1/townships', requireRole(...STAFF_ROLES));
  app.use('/v1/townships/*', requireRole(...STAFF_ROLES));

  app.get('/v1/townships', async (c) => {
    const ref = await svc.reference.snapshot();
    const ids = [...ref.townships.keys()].sort();
    return reply(c, stationsApi.listTownships, await readTownships(svc, ref, ids));
  });

  app.get('/v1/townships/:id', async (c) => {
    const ref = await svc.reference.snapshot();
    const id = c.req.param('id');
    if (!ref.townships.has(id)) throw new ApiError(404, 'not_found', `No township with id "${id}"; GET /v1/townships lists them`);
    const [view] = await readTownships(svc, ref, [id]);
    return reply(c, stationsApi.getTownship, view!);
  });

  /** The township's level changes, newest first. */
  app.get('/v1/townships/:id/events', async (c) => {
    const ref = await svc.reference.snapshot();
    const id = c.req.param('id');
    if (!ref.townships.has(id)) throw new ApiError(404, 'not_found', `No township with id "${id}"`);
    const limit = limitParam(c.req.query('limit'), 100, 1000);
    const entries = await svc.redis.xrevrange(svc.keys.townshipEvents(id), '+', '-', 'COUNT', limit);
    return reply(
      c,
      stationsApi.listTownshipEvents,
      entries.map(([eventId, fields]) => {
        const f = streamFields(fields);
        return { id: eventId, townshipId: id, at: new Date(Number(f.at)).toISOString(), from: (f.from || null) as MaybeLevel, to: (f.to || null) as MaybeLevel, reasons: JSON.parse(f.reasons ?? '[]') as TownshipReason[] };
      }),
    );
  });
  return app;
}
