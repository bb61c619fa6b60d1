import { Hono } from 'hono';
import type { Services } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { stationView } from '../views.js';
import { calendarOf } from '../../evaluation/engine.js';
import type { Station } from '../../reference/schema.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import { batch } from '../../store/batch.js';
import { reply } from '../api.js';
import { stationsApi, stationStateSchema } from './stations.api.js';
import type { z } from 'zod';

/** Stations' current state, read in one round trip. */
export async function readStationViews(svc: Services, stations: readonly Station[]): Promise<Array<z.input<typeof stationStateSchema>>> {
  if (stations.length === 0) return [];
  const pipe = batch(svc.redis);
  for (const s of stations) pipe.hmget(svc.keys.station(s.id), 'state', 'seq', 'eseq', 'seenAt');
  pipe.hgetall(svc.keys.silences());
  pipe.hgetall(svc.keys.offline());
  const replies = (await pipe.exec()) ?? [];
  const [, silences = {}] = replies[stations.length] ?? [];
  const [, offline = {}] = replies[stations.length + 1] ?? [];
  const now = svc.now();
  const cal = calendarOf(svc.config);
  const iso = (v: string | null | undefined) => (v ? new Date(Number(v)).toISOString() : null);
  return stations.map((s, i) => {
    const [err, values] = replies[i] ?? [];
    if (err) throw err;
    const [state = null, seq = null, eseq = null, seenAt = null] = values as Array<string | null>;
    const silenceJson = (silences as Record<string, string>)[s.id];
    const silence = silenceJson ? (JSON.parse(silenceJson) as { until: number; reason: string; by: string }) : null;
    return {
      ...stationView(s, { state, seq, eseq }, cal),
      seenAt: iso(seenAt),
      offlineSince: iso((offline as Record<string, string>)[s.id]),
      silence: silence && silence.until > now ? { ...silence, until: new Date(silence.until).toISOString() } : null,
    };
  });
}

export function stationRoutes(svc: Services) {
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
