import { z } from 'zod';
import { operations } from '../api.js';
import { coordinatesSchema, STATION_KINDS, thresholdsSchema } from '../../reference/schema.js';
import { outsideWarningSchema } from './warnings.api.js';
import { isoTime, level, maybeLevel, rainfallWindows, reason } from '../schemas.js';

/** The read API of stations and townships: current state with its evidence. */
const STAFF = ['admin', 'duty', 'leader'] as const;

export const stationViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(STATION_KINDS),
  townshipId: z.string(),
  river: z.string().nullable(),
  latest: z.object({ observedAt: isoTime.nullable(), rainfallMm: z.number().nullable(), waterLevelM: z.number().nullable() }).nullable(),
  rainfall: rainfallWindows.meta({ description: 'Rainfall (mm) over the windows ending now, and over the hydrological day' }),
  hydrologicalDay: z.string().nullable(),
  waterLevel: z
    .object({
      value: z.number(),
      observedAt: isoTime.nullable(),
      excess: z.record(z.string(), z.number()).meta({ description: 'Signed metres above each threshold' }),
      risePerHour: z.number().nullable(),
    })
    .nullable(),
  thresholds: thresholdsSchema.nullable(),
  level: maybeLevel,
  reasons: z.array(reason),
  evaluatedAt: isoTime.nullable(),
  upToDate: z.boolean().meta({ description: 'False while accepted readings still wait for evaluation' }),
  stale: z
    .object({ since: isoTime.nullable() })
    .nullable()
    .meta({ description: '数据中断: the gauge fell silent; its state and level are those of its last reading (not a recovery)' }),
});

export const stationStateSchema = stationViewSchema.extend({
  seenAt: isoTime.nullable(),
  offlineSince: isoTime.nullable(),
  clockOff: z.object({ since: isoTime, reason: z.string() }).nullable().meta({
    description: 'The gauge reports, but its clock puts its readings out of range (SL 651): they wait in the quarantine and the station counts as silent',
  }),
  silence: z.object({ until: isoTime, reason: z.string(), by: z.string() }).nullable(),
});

const person = z.object({ id: z.string(), name: z.string(), title: z.string().nullable() });
export const townshipViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().nullable(),
  commandPost: coordinatesSchema.extend({ address: z.string().optional() }).nullable(),
  level: maybeLevel,
  since: isoTime.nullable(),
  reasons: z.array(reason),
  agreeing: z.array(z.string()),
  uncorroborated: z.array(z.object({ level, required: z.number().int(), stationIds: z.array(z.string()) })),
  evaluatedAt: isoTime.nullable(),
  stations: z.array(stationStateSchema),
  liaisonLeaders: z.array(person),
  townshipHeads: z.array(person),
  staleStations: z.array(z.string()).meta({ description: 'Member stations whose data stopped (数据中断); their last level still counts' }),
  openAlertId: z.string().nullable().meta({ description: 'The open warning (预警) of the township' }),
  response: z
    .object({ id: z.string(), level, notice: z.string(), since: isoTime, calloutId: z.string().nullable() })
    .nullable()
    .meta({ description: 'The HQ response (应急响应) in force for the township, or null; `level` above is the warning' }),
  outsideWarnings: z
    .array(outsideWarningSchema)
    .meta({ description: 'Outside warnings (CAP, POST /v1/warnings) stored for the township; those `active` count in `level` and `reasons`' }),
});

export const townshipEventSchema = z.object({
  id: z.string(),
  townshipId: z.string(),
  at: isoTime,
  from: maybeLevel,
  to: maybeLevel,
  reasons: z.array(reason),
});

export const stationsApi = operations({
  listStations: {
    method: 'get',
    path: '/v1/stations',
    summary: 'Stations with windows, water level, level and evidence',
    tag: 'State',
    roles: STAFF,
    query: { townshipId: 'only this township' },
    status: 200,
    response: z.array(stationStateSchema),
  },
  getStation: { method: 'get', path: '/v1/stations/{id}', summary: 'One station', tag: 'State', roles: STAFF, status: 200, response: stationStateSchema },
  listTownships: {
    method: 'get',
    path: '/v1/townships',
    summary: 'Townships with warning level, the response in force, evidence, stations, liaison leaders',
    tag: 'State',
    roles: STAFF,
    status: 200,
    response: z.array(townshipViewSchema),
  },
  getTownship: { method: 'get', path: '/v1/townships/{id}', summary: 'One township', tag: 'State', roles: STAFF, status: 200, response: townshipViewSchema },
  listTownshipEvents: {
    method: 'get',
    path: '/v1/townships/{id}/events',
    summary: 'Level changes of a township, newest first',
    tag: 'State',
    roles: STAFF,
    query: { limit: '1–1000' },
    status: 200,
    response: z.array(townshipEventSchema),
  },
});
