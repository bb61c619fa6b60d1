import { z } from 'zod';
import { operations } from '../api.js';
import { auditEntrySchema, isoTime, version } from '../schemas.js';
import { plainText } from '../../lib/text.js';

/** The duty roster (值班表): who is on duty, imports, swaps, the calendar feed. */
const STAFF = ['admin', 'duty', 'leader'] as const;

export const swapBody = z.strictObject({
  from: z.string().min(1, 'from: the person leaving the shift'),
  to: z.string().min(1, 'to: the person taking it'),
  reason: plainText(500).optional(),
  /** 换班: the id of a shift `to` is on; the two exchange shifts (from takes to's place there). */
  withShift: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Exchange (换班): a shift `to` is on; `from` takes `to`'s place there as `to` takes `from`'s here" }),
});

const named = z.object({ id: z.string(), name: z.string() });
const gapSchema = z.object({ from: isoTime, to: isoTime, missing: z.array(z.enum(['duty-officer', 'shift-leader'])) });

export const shiftViewSchema = z.object({
  id: z.string(),
  start: isoTime,
  end: isoTime,
  leaderId: z.string(),
  officerIds: z.array(z.string()),
  phone: z.string().nullable(),
  leader: named,
  officers: z.array(named),
});

export const rosterApi = operations({
  importShifts: {
    method: 'post',
    path: '/v1/admin/shifts/import',
    summary:
      'Import a monthly 值班表 CSV (日期, 带班领导, 值班员, 值班电话; UTF-8 or GB18030; multipart field "file" too); unknown or ambiguous names listed by row, nothing imported',
    tag: 'Duty roster',
    roles: ['admin'],
    query: { dryRun: '1: show what would change', startHour: 'shift boundary hour (default the day start, 8)', year: 'for dates like 7月1日' },
    body: z.string().meta({ description: 'The CSV file' }),
    bodyType: 'text/csv',
    status: 200,
    response: z.object({
      dryRun: z.boolean(),
      encoding: z.string(),
      created: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      shifts: z.array(shiftViewSchema.extend({ change: z.enum(['created', 'updated', 'unchanged']) })),
      gaps: z
        .array(gapSchema)
        .meta({ description: 'What the months the file covers still lack once it is in: moments without a 带班领导 (shift-leader) or 值班员 (duty-officer)' }),
    }),
    errors: [415, 422],
  },
  dutyNow: {
    method: 'get',
    path: '/v1/duty/now',
    summary: 'The shift on duty now and the next one',
    tag: 'Duty roster',
    roles: STAFF,
    status: 200,
    response: z.object({ now: isoTime, current: z.array(shiftViewSchema), next: shiftViewSchema.nullable() }),
  },
  listDuty: {
    method: 'get',
    path: '/v1/duty',
    summary: "Shifts overlapping a range, with the people's names",
    tag: 'Duty roster',
    roles: STAFF,
    query: { from: 'date or ISO time (default yesterday)', to: 'date or ISO time (default +7 days)' },
    status: 200,
    response: z.array(shiftViewSchema),
  },
  dutyGaps: {
    method: 'get',
    path: '/v1/duty/gaps',
    summary: 'Moments without a duty officer or a shift leader in the coming days',
    tag: 'Duty roster',
    roles: STAFF,
    query: { days: '1–92, default 14' },
    status: 200,
    response: z.array(gapSchema),
  },
  swapShift: {
    method: 'post',
    path: '/v1/admin/shifts/{id}/swap',
    summary: "Swap a person on a shift, or exchange two people's shifts with withShift (kept in the history)",
    tag: 'Duty roster',
    roles: ['admin', 'duty'],
    body: swapBody,
    status: 200,
    response: shiftViewSchema.extend({
      version,
      reason: z.string().nullable(),
      exchanged: shiftViewSchema.extend({ version }).nullable().meta({ description: 'With withShift: the other shift after the exchange' }),
    }),
  },
  shiftHistory: {
    method: 'get',
    path: '/v1/admin/shifts/{id}/history',
    summary: 'Every change of a shift',
    tag: 'Duty roster',
    roles: ['admin', 'duty'],
    status: 200,
    response: z.array(auditEntrySchema),
  },
  dutyCalendar: {
    method: 'get',
    path: '/v1/duty.ics',
    summary:
      "RFC 5545 calendar of a person's shifts (a calendar token in the query, for phone calendars; staff tokens are refused with 403 calendar_token_required)",
    tag: 'Duty roster',
    roles: ['none'],
    query: { personId: "optional: the token's own person", token: 'a calendar token (POST /v1/admin/calendar-tokens)' },
    status: 200,
    produces: 'text/calendar',
  },
});
