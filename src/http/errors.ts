import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { zodIssues, type InputIssue } from '../lib/issues.js';
import type { AppError } from '../domain/errors.js';
import type { AlertError } from '../alerts/service.js';
import type { ResponseError } from '../responses/service.js';
import type { ResponseActError } from '../domain/responses/acts.js';
import type { RosterError } from '../roster/service.js';
import type { InboundFormatError } from '../inbound/parse.js';
import type { WriteOutcome } from '../reference/records.js';
import { readText } from './body.js';

/**
 * One error shape for every 4xx/5xx: `{ "error": { "code", "message", "details" } }`.
 * `message` says what to do; `details` lists problems with readable paths.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The one table from an error code below HTTP (AppError) to its status. A code missing here is a bug:
 * it answers 500 and is logged.
 */
type AppErrorCode =
  | AlertError['code']
  | ResponseError['code']
  | ResponseActError['code']
  | RosterError['code']
  | InboundFormatError['code']
  | Extract<WriteOutcome, { ok: false }>['code']
  | 'validation_failed'
  | 'batch_too_large';

// Typed by every AppError's codes: a new code without a status is a compile error, not a 500.
const STATUS_OF: Record<AppErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  empty_scope: 400,
  no_change: 400,
  invalid_receipt: 400,
  not_recipient: 403,
  not_found: 404,
  conflict: 409,
  already_exists: 409,
  alert_not_open: 409,
  nothing_to_escalate: 409,
  response_callout: 409,
  response_not_active: 409,
  version_mismatch: 412,
  batch_too_large: 413,
  unknown_township: 422,
  unknown_person: 422,
  roster_rejected: 422,
  not_on_shift: 422,
  already_on_shift: 422,
};

/** The HTTP form of an error thrown below HTTP, or null when its code has no status (a bug). */
export function fromAppError(err: AppError): ApiError | null {
  const status = (STATUS_OF as Record<string, ContentfulStatusCode | undefined>)[err.code];
  return status ? new ApiError(status, err.code, err.message, err.details) : null;
}

export function errorBody(code: string, message: string, details?: unknown, requestId?: string) {
  return { error: { code, message: clipQuoted(message), details: details ?? null, ...(requestId ? { requestId } : {}) } };
}

/**
 * Messages quote what the caller sent ("No station with id "…""); a long value is cut, so an
 * unknown id of any length is never echoed back whole (nor made into a big answer).
 */
export function clipQuoted(message: string, max = 64): string {
  const quoted = message.replace(/"([^"]*)"/g, (m, inner: string) => (inner.length > max ? `"${inner.slice(0, max)}…"` : m));
  return quoted.length > 2_000 ? `${quoted.slice(0, 2_000)}…` : quoted;
}

export function sendError(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  if (status === 401) c.header('WWW-Authenticate', code === 'unauthorized' && c.req.header('authorization') ? 'Bearer error="invalid_token"' : 'Bearer');
  return c.json(errorBody(code, message, details, c.get('requestId') as string | undefined), status);
}

export function validationError(error: z.ZodError, what = 'request body', prefix: PropertyKey[] = []): ApiError {
  const details: InputIssue[] = zodIssues(error, prefix);
  const first = details[0];
  return new ApiError(
    400,
    'validation_failed',
    `The ${what} is not valid: ${first ? `${first.path}: ${first.message}` : 'see details'}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    details,
  );
}

/** Reads a JSON body, with a 400 that says what is wrong when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (type && !type.includes('json')) {
    throw new ApiError(415, 'unsupported_media_type', `Send the body as JSON with Content-Type: application/json (got ${type})`);
  }
  const text = await readText(c);
  if (text.trim() === '') throw new ApiError(400, 'empty_body', 'The request body is empty; send a JSON document');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

export async function parseJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const result = schema.safeParse(await readJson(c));
  if (!result.success) throw validationError(result.error);
  return result.data;
}
