import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './auth.js';
import { sendError } from './errors.js';

/**
 * Per-credential token buckets, in this process's memory: a runaway gauge or script gets
 * 429 with Retry-After instead of crowding out everyone else. Kept in memory on purpose:
 * no Redis round trip on the hot ingest path; with N API processes the limit is per process.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(key: string, perMinute: number): number {
    if (perMinute <= 0) return 0;
    const now = this.now();
    const rate = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory under abuse
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}

export function rateLimit(limits: { gauge: number; staff: number; anonymous: number }, buckets = new TokenBuckets()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    const key = p ? `${p.role === 'gauge' ? 'g' : 's'}:${p.id}` : `a:${c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'local'}`;
    const limit = p ? (p.role === 'gauge' ? limits.gauge : limits.staff) : limits.anonymous;
    const wait = buckets.take(key, limit);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return sendError(c, 429, 'rate_limited', `Too many requests for this ${p ? (p.role === 'gauge' ? 'gauge key' : 'token') : 'client'}: at most ${limit} per minute. Retry in ${wait} s, or send readings in batches.`);
    }
    await next();
  };
}
