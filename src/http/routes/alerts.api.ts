import { z } from 'zod';
import { operations } from '../api.js';
import { LEVELS } from '../../domain/levels.js';
import { ESCALATION_STEPS, RECIPIENT_ROLES } from '../../config/policy.js';
import { arrivalCheckSchema, isoTime, level, maybeLevel, reason } from '../schemas.js';
import { plainText } from '../../lib/text.js';
import { responseSummarySchema } from './responses/schema.js';
import { RECEIPT_OUTCOMES } from '../../domain/receipts.js';

/** Alerts (叫应): what the duty room and leaders send and read, and the CAP/answer-link forms. */
const STAFF = ['admin', 'duty', 'leader'] as const;

export const ackBody = z
  .strictObject({
    onBehalfOf: z.string().min(1).optional(),
    note: plainText(500).optional(),
  })
  .default({});
export const arriveBody = z
  .strictObject({
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    personId: z.string().min(1).optional(),
  })
  .refine((b) => (b.lat === undefined) === (b.lon === undefined), { message: 'give both lat and lon, or neither' })
  .default({});
export const escalateBody = z
  .strictObject({ personId: z.string().min(1).max(200).optional().meta({ description: 'Only this person; without it everyone who must answer and has not' }) })
  .default({});
export const resolveBody = z.strictObject({ reason: plainText(500, { length: 2, message: 'say why the response is ended (解除原因)' }) });
export const declareBody = z.strictObject({
  level: z.enum(LEVELS, { error: `level must be one of ${LEVELS.join(', ')}` }),
  notice: plainText(100, { length: 1, message: 'give the notice number, e.g. 宁防指〔2026〕3号' }),
  reason: plainText(1000, { length: 1, message: 'give the reason' }),
});
export const smsBody = z.strictObject({ from: z.string().trim().min(5), text: z.string().max(500) });

const receipt = z
  .object({
    outcome: z.enum(RECEIPT_OUTCOMES),
    text: z.string().meta({ description: 'Chinese, e.g. 已送达, 关机, 已接听并按1确认' }),
    at: isoTime.nullable(),
    provider: z.string(),
  })
  .meta({ description: "The provider's receipt of this delivery (POST /v1/inbound/<endpoint>/<secret>)" });
const delivery = z
  .object({
    channel: z.string(),
    to: z.string().meta({ description: 'Masked address' }),
    status: z
      .enum(['sent', 'failed', 'retrying', 'cancelled', 'no-contact', 'skipped'])
      .meta({ description: 'skipped: a call not placed (per-number limit), error says why' }),
  })
  .extend({
    at: isoTime.nullable(),
    attempt: z.number().int(),
    provider: z.string().nullable(),
    error: z.string().nullable(),
    messageId: z.string(),
    providerMessageId: z.string().nullable(),
    receipt: receipt.nullable(),
  });

const recipientSchema = z.object({
  personId: z.string(),
  name: z.string(),
  role: z.enum(RECIPIENT_ROLES),
  mustAck: z.boolean(),
  notifiedAt: isoTime.nullable(),
  notifiedLevel: maybeLevel,
  deliveries: z.array(delivery),
  ackDeadline: isoTime.nullable(),
  ackedAt: isoTime.nullable(),
  ackVia: z.string().nullable(),
  onBehalfOf: z.string().nullable(),
  ackNote: z.string().nullable(),
  arriveDeadline: isoTime.nullable(),
  arrivedAt: isoTime.nullable(),
  distanceM: z.number().nullable(),
  farFromPost: z.boolean().nullable(),
  arrival: arrivalCheckSchema.nullable(),
  escalations: z.array(
    z.object({
      kind: z.enum(['ack', 'arrive']),
      epoch: z.number().int(),
      step: z.number().int(),
      action: z.enum(ESCALATION_STEPS),
      at: isoTime.nullable(),
      notified: z.array(z.string()),
    }),
  ),
});

export const alertViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['warning', 'response']).meta({ description: "warning (预警, from the gauges) or a township's part of an HQ response (应急响应)" }),
  responseId: z.string().nullable(),
  townshipId: z.string(),
  level,
  computedLevel: maybeLevel,
  status: z.enum(['open', 'resolved']),
  openedAt: isoTime.nullable(),
  raisedAt: isoTime.nullable(),
  declared: z.object({ level, notice: z.string(), reason: z.string(), by: z.string(), at: isoTime.nullable() }).nullable(),
  reasons: z.array(reason),
  lowering: z.object({ since: isoTime.nullable() }).nullable(),
  resolvedAt: isoTime.nullable(),
  resolvedBy: z.string().nullable(),
  resolveReason: z.string().nullable(),
  recipients: z.array(recipientSchema),
  messages: z.array(
    z.object({
      id: z.string(),
      personId: z.string(),
      kind: z.enum(['notify', 'renotify', 'reminder', 'escalate', 'lowered', 'adjusted', 'resolved']),
      level: maybeLevel,
      status: z.enum(['pending', 'sent', 'failed', 'cancelled']),
      aboutPersonId: z.string().nullable(),
      createdAt: isoTime.nullable(),
    }),
  ),
  timeline: z.array(
    z.object({
      at: isoTime.nullable(),
      type: z.string(),
      level: maybeLevel.optional(),
      personId: z.string().optional(),
      detail: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

const accountabilitySchema = z.object({
  from: isoTime.nullable(),
  to: isoTime.nullable(),
  entries: z.array(
    z.object({
      type: z.enum(['ack-missed', 'ack-late', 'ack', 'arrive-missed', 'arrive-late', 'arrive']),
      alertId: z.string(),
      townshipId: z.string(),
      township: z.string(),
      personId: z.string(),
      name: z.string(),
      role: z.string(),
      level: z.string().nullable(),
      notifiedAt: isoTime.nullable(),
      deadline: isoTime.nullable(),
      actual: isoTime.nullable(),
      lateSeconds: z.number().nullable(),
      arrival: arrivalCheckSchema
        .nullable()
        .meta({ description: 'set on an arrival that is doubtful: far from the post, without a location, or at several posts within minutes' }),
    }),
  ),
  people: z.array(
    z.object({
      personId: z.string(),
      name: z.string(),
      acks: z.number().int(),
      medianAckSeconds: z.number().nullable(),
      p90AckSeconds: z.number().nullable(),
      missedAcks: z.number().int(),
      lateAcks: z.number().int(),
      missedArrivals: z.number().int(),
      doubtfulArrivals: z.number().int(),
      lateArrivals: z.number().int(),
    }),
  ),
});

const outcome = z.string().meta({ description: 'What the call changed (e.g. acked, already-acked, arrived)' });

export const alertsApi = operations({
  declareLevel: {
    method: 'post',
    path: '/v1/townships/{id}/declare',
    summary: 'One-township HQ response (as POST /v1/responses with that township); answers with the township call-out and the response',
    tag: 'Responses',
    roles: ['duty', 'admin'],
    body: declareBody,
    status: 201,
    response: alertViewSchema.extend({ response: responseSummarySchema }),
  },
  listAlerts: {
    method: 'get',
    path: '/v1/alerts',
    summary: 'Alerts (a leader sees only their own)',
    tag: 'Alerts',
    roles: STAFF,
    query: { status: 'open | resolved', townshipId: 'township id', limit: '1–1000' },
    status: 200,
    response: z.array(alertViewSchema),
  },
  getAlert: {
    method: 'get',
    path: '/v1/alerts/{id}',
    summary: 'One alert with recipients, deliveries, escalations and timeline',
    tag: 'Alerts',
    roles: STAFF,
    status: 200,
    response: alertViewSchema,
  },
  ackAlert: {
    method: 'post',
    path: '/v1/alerts/{id}/ack',
    summary: 'Acknowledge (叫应): yourself, or on behalf of someone (duty/admin)',
    tag: 'Alerts',
    roles: STAFF,
    body: ackBody,
    status: 200,
    response: z.object({ outcome, alert: alertViewSchema }),
  },
  arriveAlert: {
    method: 'post',
    path: '/v1/alerts/{id}/arrive',
    summary: 'Report arrival at the command post (到岗), with the distance when lat/lon are given',
    tag: 'Alerts',
    roles: STAFF,
    body: arriveBody,
    status: 200,
    response: z.object({
      outcome,
      arrivedAt: isoTime.nullable(),
      distanceM: z.number().nullable(),
      farFromPost: z.boolean().nullable(),
      alert: alertViewSchema,
    }),
  },
  resolveAlert: {
    method: 'post',
    path: '/v1/alerts/{id}/resolve',
    summary: 'Resolve a warning (解除预警) with a reason; a township call-out of a response is ended with the response (409 response_callout)',
    errors: [409],
    tag: 'Alerts',
    roles: ['duty', 'admin'],
    body: resolveBody,
    status: 200,
    response: alertViewSchema,
  },
  escalateAlert: {
    method: 'post',
    path: '/v1/alerts/{id}/escalate',
    summary:
      'Escalate now (立即升级): run the next escalation step at once for one person or everyone who has not answered; 409 nothing_to_escalate when none is left',
    errors: [404, 409],
    tag: 'Alerts',
    roles: ['duty', 'admin'],
    body: escalateBody,
    status: 200,
    response: z.object({
      steps: z.array(
        z.object({
          personId: z.string(),
          kind: z.enum(['ack', 'arrive']),
          step: z.number().int().meta({ description: 'Index on the escalation chain (policy.yaml escalation, repeated)' }),
          action: z.enum(ESCALATION_STEPS),
          due: isoTime.meta({ description: 'When the step would have run by itself' }),
        }),
      ),
      alert: alertViewSchema,
    }),
  },
  inboundSms: {
    method: 'post',
    path: '/v1/inbound/sms',
    summary: 'An SMS reply from the gateway: "1" or "收到" acknowledges the newest open alert of that phone',
    tag: 'Alerts',
    roles: ['duty', 'admin'],
    body: smsBody,
    status: 200,
    response: z.object({
      acknowledged: z.boolean(),
      alertId: z.string().optional(),
      personId: z.string().optional(),
      reply: z.string().meta({ description: 'Chinese text to send back to the phone' }),
    }),
  },
  accountabilityReport: {
    method: 'get',
    path: '/v1/reports/accountability',
    summary: 'Ledger of missed and late answers and arrivals (问责台账); CSV with Accept: text/csv',
    tag: 'Alerts',
    roles: ['duty', 'admin'],
    query: { from: 'ISO date or time', to: 'ISO date or time' },
    status: 200,
    response: accountabilitySchema,
  },
  alertCap: {
    method: 'get',
    path: '/v1/alerts/{id}/cap.xml',
    summary: 'The alert as CAP 1.2 (its latest message: Alert, Update or Cancel)',
    tag: 'Alerts',
    roles: STAFF,
    status: 200,
    produces: 'application/cap+xml',
  },
  capFeed: {
    method: 'get',
    path: '/v1/cap/alerts.xml',
    summary: 'Atom feed of open alerts, and of resolved ones for a while, with their CAP 1.2',
    tag: 'Alerts',
    roles: STAFF,
    status: 200,
    produces: 'application/atom+xml',
  },
  answerPage: {
    method: 'get',
    path: '/a/{token}',
    summary: 'Personal answer page (never acknowledges on GET)',
    tag: 'Answer links',
    roles: ['none'],
    status: 200,
    produces: 'text/html',
  },
  answer: {
    method: 'post',
    path: '/a/{token}',
    summary: 'Acknowledge (action=ack) or report arrival (action=arrive, lat, lon) from the answer page',
    tag: 'Answer links',
    roles: ['none'],
    status: 200,
    produces: 'text/html',
    body: z.object({ action: z.enum(['ack', 'arrive']), lat: z.string().optional(), lon: z.string().optional() }),
    bodyType: 'application/x-www-form-urlencoded',
  },
});
