import { Hono } from 'hono';
import type { HttpServices } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { townshipView } from '../views.js';
import { readStationViews } from './stations.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import { localParts } from '../../domain/hydroDay.js';
import type { ReferenceSnapshot } from '../../reference/store.js';
import { limitParam } from '../../store/streams.js';
import { coverage } from '../../domain/responses/acts.js';
import { reply } from '../api.js';
import { townshipWarning } from '../../store/townshipWarning.js';
import { outsideView } from './warnings.api.js';
import { stationsApi } from './stations.api.js';

function localDate(svc: HttpServices): string {
  const p = localParts(svc.now(), svc.config.levels.timezone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

async function readTownships(svc: HttpServices, ref: ReferenceSnapshot, ids: string[]) {
  const rows = await svc.townshipState.read(ids);
  const covering = coverage((await svc.responses.store.active()).map((s) => s.response));
  const stationViews = await readStationViews(
    svc,
    ids.flatMap((id) => ref.stationsByTownship.get(id) ?? []),
  );
  const today = localDate(svc);
  return ids.map((id) => {
    const { state: stateJson, since, alert, response: callout, outside } = rows.get(id)!;
    // The warning level counts the outside warnings in force (POST /v1/warnings) beside the gauges.
    const combined = townshipWarning(stateJson, outside, svc.now());
    const state = combined ? JSON.stringify(combined) : null;
    const outsideWarnings = outsideView(outside, svc.now());
    const r = covering.get(id);
    // `level` is the warning (预警) from the gauges; `response` the HQ's decision in force (应急响应).
    const response = r
      ? {
          id: r.id,
          level: r.level,
          notice: r.noticeNumber,
          since: new Date([...r.acts].reverse().find((a) => a.townshipIds.includes(id))?.at ?? r.startsAt).toISOString(),
          calloutId: callout || null,
        }
      : null;
    return {
      ...townshipView(
        ref,
        id,
        { state, since },
        stationViews.filter((s) => s.townshipId === id),
        today,
      ),
      openAlertId: alert,
      response,
      outsideWarnings,
    };
  });
}

export function townshipRoutes(svc: HttpServices) {
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
    const events = await svc.townshipState.events(id, limit);
    return reply(
      c,
      stationsApi.listTownshipEvents,
      events.map((e) => ({ ...e, townshipId: id, at: new Date(e.at).toISOString() })),
    );
  });
  return app;
}
