import type { Context } from 'hono';

/**
 * Whether a state-changing browser request comes from another site. The Origin (scheme, host
 * and port) must be this service's own, as the request reached it or as `publicUrl` names it
 * (behind a TLS proxy); `Origin: null` (sandboxed frames, some redirects) is another site too.
 * A request without Origin comes from no browser page (browsers send it with every POST).
 */
export function crossSite(c: Context, publicUrl: string): boolean {
  if (c.req.header('sec-fetch-site') === 'cross-site') return true;
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  const own = new Set([new URL(c.req.url).origin, originOf(publicUrl)]);
  return !own.has(originOf(origin));
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}
