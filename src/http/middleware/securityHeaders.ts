import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../auth.js';

/** No 'unsafe-inline': every style and script is a file served by the service (pages put theirs under /board/assets). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const FIXED: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
];

/**
 * Security headers on every response (HTML pages also get a Content-Security-Policy), and
 * `Referrer-Policy: same-origin` unless the route set its own.
 *
 * Set before the handler runs, so they travel with the response the handler makes: a header
 * set on a finished response makes Hono rebuild it as a stream (@hono/node-server then writes
 * it through web streams, which cost the ingest path a fifth of its CPU). A response that did
 * not keep them (a handler returning a `Response` of its own) gets them afterwards.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [name, value] of FIXED) c.header(name, value);
    c.header('Referrer-Policy', 'same-origin');
    await next();
    const headers = c.res.headers;
    if (headers.get('X-Frame-Options') === null) setSecurityHeaders(c);
    if ((headers.get('Content-Type') ?? '').includes('text/html') && !headers.get('Content-Security-Policy')) c.header('Content-Security-Policy', CSP);
  };
}

/** The same headers on a finished response (a route's own Referrer-Policy stays). */
export function setSecurityHeaders(c: Context): void {
  for (const [name, value] of FIXED) c.header(name, value);
  c.header('Referrer-Policy', c.res.headers.get('Referrer-Policy') ?? 'same-origin');
}
