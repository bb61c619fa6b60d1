import type { Context } from 'hono';
import { IncomingMessage } from 'node:http';

/**
 * The request body as text. Under @hono/node-server the body is read straight from Node's
 * request stream: going through `c.req.text()` builds a web `Request` first (an
 * AbortController, a Headers copy and a web stream over the socket), which was a fifth of
 * what one single-reading post cost the API. Anywhere else (tests through `app.request`, a
 * body some middleware already read), and for every later read, Hono's own body cache answers.
 * Decoded as `Response.text()` does: UTF-8, a leading byte-order mark dropped.
 */
export function readText(c: Context): Promise<string> {
  const cache = c.req.bodyCache as { text?: Promise<string> };
  if (cache.text) return cache.text;
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (!(incoming instanceof IncomingMessage) || incoming.readableDidRead || incoming.readableEnded || Object.keys(cache).length > 0) return c.req.text();
  const text = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      const s = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      resolve(s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);
    });
    incoming.once('error', reject);
    incoming.once('close', () => {
      if (!incoming.readableEnded) reject(new Error('the client closed the connection before the request body ended'));
    });
  });
  cache.text = text;
  return text;
}
