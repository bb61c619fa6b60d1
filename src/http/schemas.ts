import { z } from 'zod';
import { LEVELS } from '../domain/levels.js';
import { RAIN_WINDOWS } from '../domain/rules.js';

/**
 * Building blocks of the response schemas (see api.ts): the JSON the API answers with, in the
 * zod form the handlers are typed against and the OpenAPI document is generated from.
 */
export const isoTime = z.string().meta({ description: 'ISO 8601 time', example: '2026-07-05T06:10:00.000Z' });
export const level = z.enum(LEVELS);
export const maybeLevel = level.nullable();
export const version = z.number().int().meta({ description: 'Record version, for If-Match: "<version>"' });

/** Why a station or township has its level (kinds: rainfall, river, reservoir, rise, rainfall-mean). */
const gaugeReason = z.looseObject({ kind: z.string(), value: z.number(), limit: z.number(), level });
/** An outside warning in force (POST /v1/warnings) as a reason for a township's warning level. */
const outsideReason = z.object({
  kind: z.literal('outside'),
  source: z.string().meta({ description: 'e.g. 宁国市气象台' }),
  event: z.string().meta({ description: 'e.g. 暴雨' }),
  colour: z.enum(['red', 'orange', 'yellow', 'blue']).nullable(),
  level,
  identifier: z.string(),
  expires: z.number().nullable().meta({ description: 'Epoch milliseconds; null: until cancelled' }),
});
export const reason = z.union([outsideReason, gaugeReason]);

export const rainfallWindows = z.object(Object.fromEntries(RAIN_WINDOWS.map((w) => [w, z.number()])) as Record<(typeof RAIN_WINDOWS)[number], z.ZodNumber>);

/** A problem with input, with a readable path (`readings[3].observedAt`). */
export const inputIssue = z.looseObject({
  path: z.string(),
  message: z.string(),
  line: z.number().int().optional().meta({ description: '1-based line in the uploaded file' }),
  row: z.number().int().optional().meta({ description: 'CSV row (roster import)' }),
  column: z.string().optional().meta({ description: 'CSV column (roster import)' }),
});

/** A reading refused by POST /v1/readings. */
export const readingRejection = z.object({ index: z.number().int(), stationId: z.string().nullable(), error: z.string(), quarantined: z.boolean().optional() });

/**
 * `error.details`: null, a list of input issues (400 validation_failed, 422 import_rejected,
 * roster_rejected, validation_failed, unknown_station), or for 422 no_reading_accepted
 * `{ rejected: [...] }` (each refused reading), or other facts of the refusal (413, 409 in_use).
 */
export const errorDetails = z.union([z.null(), z.array(inputIssue), z.object({ rejected: z.array(readingRejection) }), z.record(z.string(), z.unknown())]);

export const errorSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable machine-readable code, e.g. validation_failed' }),
    message: z.string().meta({ description: 'What is wrong and what to do, in one sentence' }),
    details: errorDetails,
    requestId: z.string().optional(),
  }),
});

/** One audit record: who changed what, when, before and after. */
export const auditEntrySchema = z.object({
  id: z.string(),
  at: isoTime,
  actor: z.string(),
  role: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().optional(),
});

/** What is doubtful about an arrival (到岗): far from the command post, no location, other posts within minutes. */
export const arrivalCheckSchema = z
  .object({
    far: z.boolean().meta({ description: 'reported farther from the command post than arrivalRadiusM' }),
    distanceM: z.number().nullable(),
    noLocation: z.boolean().meta({ description: 'reported without a location' }),
    multiPost: z.array(z.string()).meta({ description: 'ids of the other townships the same person reported arrival at within arrivalMultiPostWithin' }),
    flagged: z.boolean(),
  })
  .meta({ description: 'what is doubtful about an arrival (到岗)' });
