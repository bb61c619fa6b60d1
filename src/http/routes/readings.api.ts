import { z } from 'zod';
import { operations } from '../api.js';
import { readingSchema } from '../../ingest/readings.js';
import { isoTime, readingRejection } from '../schemas.js';

/** POST /v1/readings: what a gauge sends and what it gets back. */
const pair = z.object({ rainfallMm: z.number().nullable(), waterLevelM: z.number().nullable() });
export const ingestResultSchema = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(readingRejection),
  conflicts: z.array(z.object({ index: z.number().int(), stationId: z.string(), observedAt: isoTime, stored: pair, received: pair })),
});

export const readingsApi = operations({
  postReadings: {
    method: 'post',
    path: '/v1/readings',
    summary: 'Post one reading or { readings: [...] } (up to 10,000); 202 once stored, 422 when none is accepted',
    tag: 'Readings',
    roles: ['gauge', 'admin'],
    body: z.union([readingSchema, z.object({ readings: z.array(readingSchema).min(1).max(10_000) })]),
    status: 202,
    response: ingestResultSchema,
    errors: [413, 422],
    example: { accepted: 2, duplicates: 0, rejected: [{ index: 1, stationId: 'NOPE', error: 'unknown station "NOPE"' }], conflicts: [] },
  },
});
