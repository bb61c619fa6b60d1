import { z } from 'zod';
import { operations, type OperationSpec } from '../api.js';
import { datasetSchema } from '../../reference/schema.js';
import { auditEntrySchema, isoTime } from '../schemas.js';
import { plainText } from '../../lib/text.js';

/** Admin: dataset import, credentials, audit, quarantine, refused SL 651 frames, drill outbox. */
export const gaugeKeyBody = z.strictObject({
  name: plainText(200, { length: 1, message: 'name is required: say which gauge or gateway uses the key' }),
  stations: z.array(z.string().min(1)).min(1, 'list the station ids the key may post for, or ["*"] for all'),
});

export const tokenBody = z
  .strictObject({
    role: z.enum(['admin', 'duty', 'leader'], { error: 'role must be admin, duty or leader' }),
    personId: z.string().min(1).optional(),
    name: plainText(200).optional(),
  })
  .refine((b) => b.role !== 'leader' || b.personId, { message: 'a leader token belongs to one person: give personId', path: ['personId'] });

export const calendarTokenBody = z.strictObject({
  personId: z.string().min(1, 'personId: whose duty calendar'),
  name: plainText(200).optional(),
});

const counts = z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() });
const gaugeKeyRecord = z.object({ id: z.string(), name: z.string(), stations: z.array(z.string()), createdAt: isoTime, hint: z.string() });
const tokenRecord = z.object({
  id: z.string(),
  role: z.enum(['admin', 'duty', 'leader']),
  personId: z.string().nullable(),
  name: z.string().nullable(),
  createdAt: isoTime,
  hint: z.string(),
});

const calendarTokenRecord = tokenRecord.extend({ role: z.literal('calendar'), personId: z.string() });

const secret = z.string().meta({ description: 'The secret, shown only here' });

/** Gauge keys and staff tokens: created (the secret shown once, stored hashed), listed, revoked. */
function credentialOps<N extends string, C extends z.ZodType, R extends z.ZodType>(
  name: N,
  segment: string,
  one: string,
  many: string,
  body: z.ZodType,
  created: C,
  record: R,
) {
  const path = `/v1/admin/${segment}`;
  const base = { tag: 'Credentials', roles: ['admin'] } as const;
  return {
    [`create${name}`]: { ...base, method: 'post', path, summary: `Create ${one} (shown once, stored hashed)`, body, status: 201, response: created },
    [`list${name}s`]: { ...base, method: 'get', path, summary: `${many} (never the secrets)`, status: 200, response: z.array(record) },
    [`revoke${name}`]: { ...base, method: 'delete', path: `${path}/{id}`, summary: `Revoke ${one}`, status: 204 },
  } as unknown as Record<`create${N}`, OperationSpec & { status: 201; response: C }> &
    Record<`list${N}s`, OperationSpec & { status: 200; response: z.ZodArray<R> }> &
    Record<`revoke${N}`, OperationSpec & { status: 204 }>;
}

export const adminApi = operations({
  importDataset: {
    method: 'post',
    path: '/v1/admin/import',
    summary: 'Import a dataset (JSON or YAML): upsert, all or nothing, row-level errors',
    tag: 'Reference data',
    roles: ['admin'],
    body: datasetSchema,
    status: 200,
    response: z.object({
      ok: z.literal(true),
      counts: z.object({ townships: counts, stations: counts, people: counts, assignments: counts, shifts: counts }),
      dirtyStations: z.number().int().meta({ description: 'Stations to re-evaluate because their rules changed' }),
    }),
    errors: [422],
  },
  ...credentialOps(
    'GaugeKey',
    'gauge-keys',
    'a gauge key',
    'Gauge keys',
    gaugeKeyBody,
    gaugeKeyRecord.omit({ hint: true }).extend({ key: secret }),
    gaugeKeyRecord,
  ),
  ...credentialOps('Token', 'tokens', 'a staff token', 'Staff tokens', tokenBody, tokenRecord.extend({ token: secret }), tokenRecord),
  ...credentialOps(
    'CalendarToken',
    'calendar-tokens',
    'a calendar token for one person (read-only, their duty.ics only; the feed URL shown with it)',
    'Calendar tokens',
    calendarTokenBody,
    calendarTokenRecord.extend({ token: secret, url: z.string().meta({ description: 'The duty.ics address to subscribe to (carries the token)' }) }),
    calendarTokenRecord,
  ),
  getDeployment: {
    method: 'get',
    path: '/v1/admin/deployment',
    summary: 'Whether this deployment is in drill mode (messages to the outbox only); tools that write refuse a live one unless told',
    tag: 'Operations',
    roles: ['admin'],
    status: 200,
    response: z.object({ drill: z.boolean(), keyPrefix: z.string() }),
  },
  listAudit: {
    method: 'get',
    path: '/v1/admin/audit',
    summary: 'Every admin change: who, when, what, before and after',
    tag: 'Reference data',
    roles: ['admin'],
    query: { target: 'e.g. stations/62900101', action: 'e.g. stations.update', limit: '1–5000' },
    status: 200,
    response: z.array(auditEntrySchema),
  },
  listQuarantine: {
    method: 'get',
    path: '/v1/admin/quarantine',
    summary: 'Readings refused for being outside their station bounds',
    tag: 'Readings',
    roles: ['admin'],
    query: { stationId: 'station id', limit: '1–1000' },
    status: 200,
    response: z.array(
      z.object({
        id: z.string(),
        stationId: z.string(),
        receivedAt: z.string(),
        reason: z.string(),
        reading: z.unknown().meta({ description: 'The reading as posted' }),
      }),
    ),
  },
  listSl651Refused: {
    method: 'get',
    path: '/v1/admin/sl651/refused',
    summary: 'SL 651 frames refused: unknown station addresses and wrong passwords',
    tag: 'Readings',
    roles: ['admin'],
    query: { limit: '1–1000' },
    status: 200,
    response: z.array(z.object({ id: z.string(), at: isoTime, address: z.string(), reason: z.string(), remote: z.string().nullable() })),
  },
  listOutbox: {
    method: 'get',
    path: '/v1/admin/outbox',
    summary: 'Drill mode: the messages that would have been sent',
    tag: 'Alerts',
    roles: ['admin'],
    query: { personId: 'person id', limit: '1–1000' },
    status: 200,
    response: z.array(
      z
        .looseObject({ id: z.string(), at: isoTime, channel: z.string(), to: z.string(), personId: z.string().optional() })
        .meta({ description: 'The rendered message (title, text, ackUrl, …) with where it would have gone' }),
    ),
  },
});
