import { z } from 'zod';
import { plainText } from '../../../lib/text.js';
import { LEVELS } from '../../../domain/levels.js';
import { operations } from '../../api.js';
import { arrivalCheckSchema, isoTime, level as levelOut, maybeLevel, rainfallWindows } from '../../schemas.js';

/** Request bodies of the response routes. JSON names are the contract (`notice` is the HQ's notice number). */
const level = z.enum(LEVELS, { error: `level must be one of ${LEVELS.join(', ')}` });
const notice = plainText(100, { length: 1, message: 'give the notice number, e.g. 宁防指〔2023〕4号' });
const reason = plainText(1000, { length: 1, message: 'give the reason (e.g. 全市平均降雨量61毫米)' });
const townshipIds = z.array(z.string().min(1).max(64)).min(1, 'name at least one township, or use scope "city"').max(500);

export const startBody = z.strictObject({
  level,
  scope: z.union([z.literal('city'), z.strictObject({ townships: townshipIds })], { error: 'scope is "city" or { "townships": ["341881001", …] }' }),
  notice,
  reason,
  /** When the response takes effect (the notice's own time); default now. */
  startsAt: z.iso.datetime({ offset: true, error: 'startsAt is an ISO 8601 time with an offset, e.g. 2023-07-05T09:00:00+08:00' }).optional(),
});

export const adjustBody = z
  .strictObject({
    level: level.optional(),
    /** The new list of townships (widen, narrow), or "city". */
    townships: z.union([z.literal('city'), townshipIds]).optional(),
    notice,
    reason,
  })
  .refine((b) => b.level !== undefined || b.townships !== undefined, { message: 'give a new level, a new townships list, or both' });

export const endBody = z.strictObject({ notice, reason });

export const listQuery = z.enum(['active', 'ended'], { error: 'status must be active or ended' }).optional();

const STAFF = ['admin', 'duty', 'leader'] as const;

export const responseActSchema = z.object({
  type: z.enum(['start', 'raise', 'lower', 'widen', 'narrow', 'renotice', 'end', 'superseded']),
  level: levelOut,
  townshipIds: z.array(z.string()),
  notice: z.string(),
  reason: z.string(),
  by: z.string(),
  at: isoTime.nullable(),
  byResponseId: z.string().nullable().meta({ description: 'For superseded: the response that took the townships over' }),
});

export const responseSummarySchema = z.object({
  id: z.string(),
  level: levelOut,
  scope: z.union([z.literal('city'), z.object({ townships: z.array(z.string()) })]),
  townshipIds: z.array(z.string()),
  notice: z.string().meta({ description: 'Notice number of the act in force, e.g. 宁防指〔2023〕4号' }),
  reason: z.string(),
  status: z.enum(['active', 'ended']),
  source: z.enum(['hq', 'auto']).meta({ description: 'hq: declared by the HQ; auto: launched by a warning under responses.autoLaunch' }),
  startsAt: isoTime.nullable(),
  createdAt: isoTime.nullable(),
  createdBy: z.string(),
  endedAt: isoTime.nullable(),
  acts: z.array(responseActSchema),
});

const personStatus = z.object({
  personId: z.string(),
  name: z.string(),
  role: z.string(),
  mustAck: z.boolean(),
  notifiedAt: isoTime.nullable(),
  ackDeadline: isoTime.nullable(),
  ackedAt: isoTime.nullable(),
  ackVia: z.string().nullable(),
  arriveDeadline: isoTime.nullable(),
  arrivedAt: isoTime.nullable(),
  distanceM: z.number().nullable(),
  farFromPost: z.boolean().nullable(),
  arrival: arrivalCheckSchema.nullable(),
});

export const responseDetailSchema = responseSummarySchema.extend({
  townships: z.array(
    z.object({
      townshipId: z.string(),
      name: z.string(),
      covered: z.boolean(),
      calloutId: z.string().nullable().meta({ description: "The township's call-out (GET /v1/alerts/{id}; ack and arrive there)" }),
      level: maybeLevel,
      people: z.array(personStatus).meta({ description: '到岗到位: each person told, with notified / acknowledged / arrived and the distance from the post' }),
    }),
  ),
  timeline: z.array(
    z.object({
      at: isoTime.nullable(),
      type: z.string(),
      townshipId: z.string().nullable(),
      personId: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});

const cityReason = z.looseObject({ kind: z.enum(['city-rainfall', 'townships']), level: levelOut });

export const cityViewSchema = z.object({
  meanRainfall: rainfallWindows.nullable().meta({ description: '全市平均降雨量: the mean over every gauge that reported rain in the last 24 h' }),
  rainStations: z.number().int(),
  townships: z.object({ total: z.number().int(), byWarningLevel: z.record(z.string(), z.number().int()), none: z.number().int() }),
  warnings: z.array(z.object({ townshipId: z.string(), name: z.string(), level: maybeLevel, response: maybeLevel })),
  cityLevel: maybeLevel.meta({ description: 'What the city rules (levels.yaml city:) give' }),
  cityReasons: z.array(cityReason),
  recommendation: z
    .object({
      city: z.object({ level: levelOut, reasons: z.array(cityReason) }).nullable(),
      townships: z.array(z.object({ id: z.string(), name: z.string(), level: levelOut })),
    })
    .nullable(),
  responses: z.array(responseSummarySchema),
});

export const responsesApi = operations({
  startResponse: {
    method: 'post',
    path: '/v1/responses',
    summary: 'Start an HQ response (启动应急响应) for the city or some townships, by notice; notifies everyone the response policy names',
    tag: 'Responses',
    roles: ['duty', 'admin'],
    body: startBody,
    status: 201,
    response: responseDetailSchema,
    errors: [422],
  },
  listResponses: {
    method: 'get',
    path: '/v1/responses',
    summary: 'Responses, newest first',
    tag: 'Responses',
    roles: STAFF,
    query: { status: 'active | ended', limit: '1–1000' },
    status: 200,
    response: z.array(responseSummarySchema),
  },
  getResponse: {
    method: 'get',
    path: '/v1/responses/{id}',
    summary: 'One response: per township each person told with notifiedAt / ackedAt / arrivedAt / distance, and the timeline',
    tag: 'Responses',
    roles: STAFF,
    status: 200,
    response: responseDetailSchema,
  },
  adjustResponse: {
    method: 'post',
    path: '/v1/responses/{id}/adjust',
    summary: 'Adjust (调整) a response by notice: raise, lower, widen or narrow',
    tag: 'Responses',
    roles: ['duty', 'admin'],
    body: adjustBody,
    status: 200,
    response: responseDetailSchema,
    errors: [409, 422],
  },
  endResponse: {
    method: 'post',
    path: '/v1/responses/{id}/end',
    summary: 'End (终止) a response by notice; everyone told is informed',
    tag: 'Responses',
    roles: ['duty', 'admin'],
    body: endBody,
    status: 200,
    response: responseDetailSchema,
    errors: [409],
  },
  getCity: {
    method: 'get',
    path: '/v1/city',
    summary: 'The city as a whole: mean rainfall over every window, townships per warning level, responses in force, the recommendation',
    tag: 'State',
    roles: STAFF,
    status: 200,
    response: cityViewSchema,
  },
});
