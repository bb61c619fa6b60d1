import { z } from 'zod';
import type { Operation } from './api.js';
import { errorSchema } from './schemas.js';
import { readingSchema } from '../ingest/readings.js';
import { opsApi } from './routes/ops.api.js';
import { readingsApi } from './routes/readings.api.js';
import { stationsApi } from './routes/stations.api.js';
import { alertsApi } from './routes/alerts.api.js';
import { rosterApi } from './routes/roster.api.js';
import { noticesApi } from './routes/notices.api.js';
import { adminApi } from './routes/admin.api.js';
import { referenceApi } from './routes/reference.api.js';
import { responsesApi } from './routes/responses/schema.js';
import { inboundApi } from './routes/inbound.api.js';
import { warningsApi } from './routes/warnings.api.js';
import { peopleApi } from './routes/people.api.js';

/**
 * OpenAPI 3.1 of the HTTP API, generated from the operations each route area declares beside
 * its handlers (api.ts): request and response bodies are the same zod schemas the handlers
 * parse with and are typed against, in zod's JSON Schema output (OpenAPI 3.1's dialect,
 * draft 2020-12). Tests check that every served route is documented and that real answers
 * of every operation validate against this document.
 */
const AREAS: Array<Record<string, Operation>> = [
  opsApi,
  readingsApi,
  stationsApi,
  alertsApi,
  inboundApi,
  warningsApi,
  peopleApi,
  responsesApi,
  rosterApi,
  noticesApi,
  adminApi,
  ...Object.values(referenceApi),
];

export const OPERATIONS: Operation[] = AREAS.flatMap((area) => Object.values(area));
for (const [i, op] of OPERATIONS.entries()) {
  const twin = OPERATIONS.findIndex((o) => o.operationId === op.operationId || (o.method === op.method && o.path === op.path));
  if (twin !== i) throw new Error(`OpenAPI: ${op.method} ${op.path} (${op.operationId}) is declared twice or shares an operationId`);
}

/**
 * What zod cannot say in JSON Schema: a reading's `.refine` (at least one measurement). The
 * reading is written as `anyOf` two complete objects, one requiring each measurement, which
 * validators check and client generators turn into a precise union type.
 */
function atLeastOneMeasurement(json: Record<string, unknown>): void {
  const base = { ...json };
  for (const k of Object.keys(json)) delete json[k];
  const need = (name: string) => ({ ...base, required: [...((base.required as string[]) ?? []), name] });
  json.anyOf = [need('rainfallMm'), need('waterLevelM')];
}
const EXTRA = new Map<unknown, (json: Record<string, unknown>) => void>([[readingSchema, atLeastOneMeasurement]]);

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: (ctx) => {
      EXTRA.get(ctx.zodSchema)?.(ctx.jsonSchema as Record<string, unknown>);
    },
  }) as Record<string, unknown>;
  delete out.$schema; // the document's dialect (jsonSchemaDialect) applies
  return out;
}

const errorExample = {
  error: {
    code: 'validation_failed',
    message: 'The request body is not valid: level: level must be one of IV, III, II, I',
    details: [{ path: 'level', message: 'level must be one of IV, III, II, I' }],
    requestId: 'b3c1…',
  },
};

const ERROR_WORDS: Record<number, string> = {
  409: 'Conflict (e.g. in_use, with details of what still uses it)',
  412: 'Version mismatch (someone else changed it)',
  413: 'Too large (details: { max, received })',
  415: 'Unsupported media type',
  422: 'Unprocessable: details lists each problem ({ path, message }), or for no_reading_accepted { rejected: [...] }',
  428: 'Precondition required (send If-Match)',
  503: 'Not ready / unavailable',
};

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = Object.entries(op.query ?? {}).map(([name, description]) => ({
      name,
      in: 'query',
      required: false,
      description,
      schema: { type: 'string' },
    }));
    const secured = !op.roles.includes('none');
    const ok: Record<string, unknown> = { description: op.summary };
    if (op.status !== 204) {
      const schema = op.produces ? { type: 'string' } : jsonSchema(op.response!, 'output');
      ok.content = { [op.produces ?? 'application/json']: { schema, ...(op.example !== undefined ? { example: op.example } : {}) } };
    }
    const named = Object.fromEntries(
      (op.errors ?? []).map((s) => [String(s), { description: ERROR_WORDS[s] ?? 'Error', content: { 'application/json': { schema: errorRef } } }]),
    );
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      description: secured ? `Roles: ${op.roles.join(', ')}. 401 without a valid token, 403 with another role.` : 'No token needed.',
      ...(secured ? { security: [{ bearer: [] }] } : { security: [] }),
      parameters: [...params, ...query],
      ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: jsonSchema(op.body, 'input') } } } } : {}),
      responses: {
        [String(op.status)]: ok,
        ...named,
        default: { description: 'Error, in the one error shape', content: { 'application/json': { schema: errorRef, example: errorExample } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'fangxun 防汛值守与预警叫应',
      version: '0.1.0',
      description: 'Flood-season duty and alert service: readings in, response levels out, call-and-answer, duty roster.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Gauge key, staff token, or FANGXUN_ADMIN_TOKEN' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
    paths,
  };
}

/** Routes of the app in OpenAPI form (`GET /v1/alerts/{id}`), for the coverage test. */
export function documentedRoutes(): Set<string> {
  return new Set(OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`));
}
