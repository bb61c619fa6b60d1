import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingLimit } from 'hono/body-limit';

/**
 * Refuses bodies over `maxSize` bytes. A request that states its Content-Length is judged by
 * the header alone (its body is left for the handler to read however it likes); one sent in
 * chunks is counted while read (Hono's body limit). Hono's own middleware looks at the body
 * of every request to decide, which builds a web `Request` for each (an AbortController and a
 * web stream: a tenth of a single reading's CPU) even when the header already answers.
 */
export function bodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const chunked = streamingLimit({ maxSize, onError });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) > maxSize) return onError(c);
      return next();
    }
    return chunked(c, next);
  };
}
