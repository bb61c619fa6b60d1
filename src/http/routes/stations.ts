import { Hono } from 'hono';
import type { HttpServices } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { stationView } from '../views.js';
import { calendarOf } from '../../evaluation/engine.js';
import type { Station } from '../../reference/schema.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import { reply } from '../api.js';
import { stationsApi, type stationStateSchema } from './stations.api.js';
import type { z } from 'zod';

/** Stations' current state, read in one round trip. */
export async function readStationViews(svc: HttpServices, stations: readonly Station[]): Promise<Array<z.input<typeof stationStateSchema>>> {
  if (stations.length === 0) return [];
  const { rows, silences, offline } = await svc.stationState.read(stations.map((s) => s.id));
  const now = svc.now();
  const cal = calendarOf(svc.config);
  const iso = (v: string | null | undefined) => (v ? new Date(Number(v)).toISOString() : null);
  return stations.map((s) => {
    const { state, seq, eseq, seenAt, clockOffSince, clockOffReason } = rows.get(s.id)!;
    const silence = silences.get(s.id) ?? null;
    const offlineSince = offline.get(s.id);
    return {
      ...stationView(s, { state, seq, eseq }, cal),
      seenAt: iso(seenAt),
      offlineSince: offlineSince ? new Date(offlineSince).toISOString() : null,
      // The gauge reports, but its clock puts its readings out of range: they wait in the quarantine.
      clockOff: clockOffSince ? { since: iso(clockOffSince)!, reason: clockOffReason ?? '' } : null,
      silence: silence && silence.until > now ? { ...silence, until: new Date(silence.until).toISOString() } : null,
    };
  });
}

export function stationRoutes(svc: HttpServices) {
  const app = new Hono<AppEnv>();
  app.use('/v1/stations', requireRole(...STAFF_ROLES));
  app.use('/v1/stations/*', requireRole(...STAFF_ROLES));

  app.get('/v1/stations', async (c) => {
    const ref = await svc.reference.snapshot();
    const townshipId = c.req.query('townshipId');
    const list = [...ref.stations.values()].filter((s) => !townshipId || s.townshipId === townshipId).sort((a, b) => a.id.localeCompare(b.id));
    return reply(c, stationsApi.listStations, await readStationViews(svc, list));
  });

  app.get('/v1/stations/:id', async (c) => {
    const ref = await svc.reference.snapshot();
    const station = ref.stations.get(c.req.param('id'));
    if (!station) throw new ApiError(404, 'not_found', `No station with id "${c.req.param('id')}"; GET /v1/stations lists them`);
    const [view] = await readStationViews(svc, [station]);
    return reply(c, stationsApi.getStation, view!);
  });
  return app;
}
