import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './auth.js';
import { sendError } from './errors.js';
import { Bounded } from '../lib/bounded.js';
import type { ClientAddresses } from './clientAddress.js';
import type { AnswerLinks } from '../alerts/shortLinks.js';

/**
 * Token buckets in this process's memory: a runaway gauge or script gets 429 with Retry-After
 * instead of crowding out everyone else. Kept in memory on purpose: no Redis round trip on the
 * hot ingest path; with N API processes the limit is per process.
 * Memory is bounded: past `maxBuckets` the least recently used bucket is dropped (a bucket
 * nobody touched for a while has refilled anyway), never all of them at once.
 */
export class TokenBuckets {
  private readonly buckets: Bounded<{ tokens: number; at: number }>;

  constructor(
    private readonly now: () => number = Date.now,
    maxBuckets = 100_000,
  ) {
    this.buckets = new Bounded(maxBuckets);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(key: string, perMinute: number): number {
    if (perMinute <= 0) return 0;
    const b = this.refilled(key, perMinute);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / (perMinute / 60_000) / 1000));
  }

  /** Seconds until a token is free (0: one is), without taking it. */
  wait(key: string, perMinute: number): number {
    if (perMinute <= 0) return 0;
    const b = this.refilled(key, perMinute);
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / (perMinute / 60_000) / 1000));
  }

  private refilled(key: string, perMinute: number) {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * (perMinute / 60_000));
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }
}

export interface RateLimits {
  gauge: number;
  staff: number;
  anonymous: number;
  answerLink: number;
  login: number;
  loginFailures: number;
  maxBuckets: number;
}

function refuse(c: Context, wait: number, message: string) {
  c.header('Retry-After', String(wait));
  return sendError(c, 429, 'rate_limited', `${message} Retry in ${wait} s.`);
}

/** The API: per gauge key, per staff token, and per client address for callers without a valid token. */
export function rateLimit(limits: RateLimits, clients: ClientAddresses, buckets: TokenBuckets): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    const key = p ? `${p.role === 'gauge' ? 'g' : 's'}:${p.id}` : `a:${clients.of(c)}`;
    const limit = p ? (p.role === 'gauge' ? limits.gauge : limits.staff) : limits.anonymous;
    const wait = buckets.take(key, limit);
    if (wait > 0) {
      const what = p ? (p.role === 'gauge' ? 'gauge key' : 'token') : 'client address';
      return refuse(c, wait, `Too many requests for this ${what}: at most ${limit} per minute${p?.role === 'gauge' ? '; send readings in batches' : ''}.`);
    }
    await next();
  };
}

/**
 * Answer links `/a/<token>`: a genuine link has a bucket of its own per client address, so a
 * flood from one client (or of made-up links from behind the same NAT) never blocks anyone
 * else's link; links that do not verify share the client's anonymous bucket.
 */
export function answerLinkLimit(
  limits: RateLimits,
  clients: ClientAddresses,
  buckets: TokenBuckets,
  links: AnswerLinks,
  now: () => number,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = c.req.path.slice('/a/'.length);
    const client = clients.of(c);
    const genuine = (await links.verify(token, now())).ok;
    const wait = genuine ? buckets.take(`l:${token}|${client}`, limits.answerLink) : buckets.take(`a:${client}`, limits.anonymous);
    if (wait > 0)
      return refuse(
        c,
        wait,
        genuine
          ? `This link was opened too often from here: at most ${limits.answerLink} per minute.`
          : `Too many requests from this client address: at most ${limits.anonymous} per minute.`,
      );
    await next();
  };
}

/**
 * POST /board/login: a few attempts per client address a minute, and a cap on wrong tokens
 * over all clients together (guessing from many addresses); while that cap is reached every
 * sign-in waits. Staff can still use the board with `Authorization: Bearer`.
 */
export function loginLimit(limits: RateLimits, clients: ClientAddresses, buckets: TokenBuckets): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const globalWait = buckets.wait('login-failures', limits.loginFailures);
    if (globalWait > 0) return refuse(c, globalWait, `Too many wrong sign-in tokens from all clients: at most ${limits.loginFailures} per minute.`);
    const wait = buckets.take(`login:${clients.of(c)}`, limits.login);
    if (wait > 0) return refuse(c, wait, `Too many sign-in attempts from this client address: at most ${limits.login} per minute.`);
    await next();
    if (c.res.headers.get('location')?.includes('error=')) buckets.take('login-failures', limits.loginFailures);
  };
}
