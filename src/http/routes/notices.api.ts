import { z } from 'zod';
import { operations } from '../api.js';
import { NOTICE_KINDS } from '../../notices/service.js';
import { isoTime } from '../schemas.js';
import { plainText } from '../../lib/text.js';

/** Notices (daily report, reminders, gauge offline/recovered) and the scheduled duties. */
export const silenceBody = z.strictObject({
  until: z.iso.datetime({ offset: true, error: 'until must be an ISO 8601 time with offset, e.g. 2026-07-10T08:00:00+08:00' }),
  reason: plainText(500, { length: 2, message: 'say why the station is silenced (e.g. 雷击损坏，待维修)' }),
});

export const noticeSchema = z.object({
  id: z.string(),
  kind: z.enum(NOTICE_KINDS),
  key: z.string(),
  title: z.string(),
  text: z.string(),
  createdAt: isoTime,
  personIds: z.array(z.string()),
  smsText: z.string().optional().describe('The shorter text sent by SMS, when the notice has one (daily report)'),
  deliveries: z
    .record(
      z.string(),
      z.array(
        z.object({
          channel: z.string(),
          to: z.string(),
          status: z.enum(['sent', 'failed', 'retrying', 'no-contact']),
          at: z.number(),
          attempt: z.number().int(),
          error: z.string().optional(),
        }),
      ),
    )
    .meta({ description: 'Delivery attempts by person id' }),
});

const silenceSchema = z.object({ stationId: z.string(), until: isoTime, reason: z.string(), by: z.string() });

export const noticesApi = operations({
  listNotices: {
    method: 'get',
    path: '/v1/notices',
    summary: 'Notices sent (daily report, reminders, gauge offline/recovered, roster gaps)',
    tag: 'Duties',
    roles: ['duty', 'admin'],
    query: { kind: 'notice kind', limit: '1–500' },
    status: 200,
    response: z.array(noticeSchema),
  },
  getNotice: {
    method: 'get',
    path: '/v1/notices/{id}',
    summary: 'One notice with its deliveries',
    tag: 'Duties',
    roles: ['duty', 'admin'],
    status: 200,
    response: noticeSchema,
  },
  runDuty: {
    method: 'post',
    path: '/v1/admin/duties/{name}/run',
    summary: 'Run a scheduled duty now: daily-report, stale-gauges, shift-reminders, roster-gaps',
    tag: 'Duties',
    roles: ['admin'],
    status: 200,
    response: z.object({ duty: z.string(), result: z.unknown().meta({ description: 'What the duty did (its own summary), or null' }) }),
  },
  listSilences: {
    method: 'get',
    path: '/v1/admin/silences',
    summary: 'Silenced stations',
    tag: 'Duties',
    roles: ['admin', 'duty'],
    status: 200,
    response: z.array(silenceSchema.extend({ active: z.boolean() })),
  },
  silenceStation: {
    method: 'put',
    path: '/v1/admin/stations/{id}/silence',
    summary: 'Silence a broken station until a time (offline notices suppressed; readings still stored)',
    tag: 'Duties',
    roles: ['admin'],
    body: silenceBody,
    status: 200,
    response: silenceSchema,
  },
  unsilenceStation: { method: 'delete', path: '/v1/admin/stations/{id}/silence', summary: 'Lift a silence', tag: 'Duties', roles: ['admin'], status: 204 },
});
