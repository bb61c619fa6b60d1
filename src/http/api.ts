import type { Context } from 'hono';
import type { z } from 'zod';
import { readEnv } from '../config/env.js';

/**
 * The one registry of the HTTP API's documentation. Each route area declares its operations
 * beside its handlers (`routes/<area>.api.ts`: the zod schemas of what comes in and what goes
 * out, with the OpenAPI entry), the handlers answer through `reply`, which takes only a value
 * of the documented response type, and `openapi.ts` builds the document from the same
 * objects. A test sends a real request to every operation and validates the answer against
 * the document, and another fails when the app serves a route no operation documents.
 *
 * Adding a route: declare it with `operations({...})` in its area's `.api.ts`, answer with
 * `reply(c, op, value)`, list the area in `openapi.ts` (AREAS) if it is new, and give the
 * response test a request for it (test/openapi-responses.test.ts).
 */
export type Role = 'admin' | 'duty' | 'leader' | 'gauge' | 'none';
export type SuccessStatus = 200 | 201 | 202 | 204;

export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: `/v1/alerts/{id}`. */
  path: string;
  /** One line: what the operation does (OpenAPI `summary`). */
  summary: string;
  tag: string;
  roles: readonly Role[];
  /** Request body schema and its media type (default application/json). */
  body?: z.ZodType;
  bodyType?: string;
  /** Query parameters with a description each. */
  query?: Record<string, string>;
  status: SuccessStatus;
  /** JSON response body; required unless `produces` names another media type or status is 204. */
  response?: z.ZodType;
  /** A media type other than JSON (the body is then documented as a string). */
  produces?: string;
  example?: unknown;
  /** Error statuses worth naming (besides 400/401/403/404/429/5xx in the one error shape). */
  errors?: number[];
}

export interface Operation extends OperationSpec {
  operationId: string;
}

/** Declares an area's operations; the keys become their `operationId`s. */
export function operations<const T extends Record<string, OperationSpec>>(specs: T): { [K in keyof T]: T[K] & { operationId: K & string } } {
  return Object.fromEntries(Object.entries(specs).map(([operationId, spec]) => [operationId, { ...spec, operationId }])) as never;
}

/** Set in the test suite (vitest.config.ts): every answer is also parsed with its schema. */
const VALIDATE = readEnv().validateResponses;

/**
 * Answers with the operation's documented status and a value of its documented response type
 * (checked by the compiler; with FANGXUN_VALIDATE_RESPONSES=1 also parsed with the schema, so
 * every test of the suite checks the answers it gets).
 */
export function reply<S extends z.ZodType, St extends SuccessStatus>(c: Context, op: { response?: S; status: St; operationId?: string }, value: z.input<S>) {
  if (VALIDATE && op.response) {
    const checked = op.response.safeParse(value);
    if (!checked.success) throw new Error(`${op.operationId ?? c.req.path} answered outside its documented schema: ${checked.error.message}`);
  }
  return c.json(value as never, op.status as Exclude<St, 204>);
}
