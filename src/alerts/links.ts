import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';

/**
 * Personal answer links `/a/<token>`: bound to one alert and one person, expiring, signed
 * with HMAC-SHA256. The token is `<payload>.<signature>`, both base64url; the payload is
 * `alertId|personId|expiry(s)`. Nothing is stored per link.
 */
export interface LinkClaims {
  alertId: string;
  personId: string;
  expiresAt: number;
}

export class LinkSigner {
  constructor(private readonly secret: Buffer) {}

  /**
   * The secret comes from FANGXUN_LINK_SECRET. Only in drill mode may it be missing: then one
   * is generated once and kept in Redis (the start-up check refuses anything else).
   */
  static async create(redis: Redis, keys: Keys, configured: string | undefined, drill: boolean): Promise<LinkSigner> {
    if (configured) return new LinkSigner(Buffer.from(configured, 'utf8'));
    if (!drill) throw new Error('FANGXUN_LINK_SECRET is required outside drill mode');
    await redis.set(keys.linkSecret(), randomBytes(32).toString('base64'), 'NX');
    const stored = await redis.get(keys.linkSecret());
    return new LinkSigner(Buffer.from(stored!, 'base64'));
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(payload).digest();
  }

  sign(claims: LinkClaims): string {
    const payload = `${claims.alertId}|${claims.personId}|${Math.floor(claims.expiresAt / 1000)}`;
    return `${Buffer.from(payload).toString('base64url')}.${this.mac(payload).toString('base64url')}`;
  }

  /** The claims of a genuine token, or why it is refused. */
  verify(token: string, now: number): { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' } {
    const [p, s, extra] = token.split('.');
    if (!p || !s || extra !== undefined) return { ok: false, reason: 'malformed' };
    const payload = Buffer.from(p, 'base64url').toString('utf8');
    const given = Buffer.from(s, 'base64url');
    // Canonical only: base64url decoding forgives padding, '+' '/' and stray characters, so one
    // link could be written many ways; only the exact encoding `sign` produces is accepted.
    if (Buffer.from(payload, 'utf8').toString('base64url') !== p || given.toString('base64url') !== s) return { ok: false, reason: 'malformed' };
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
    const [alertId, personId, exp] = payload.split('|');
    if (!alertId || !personId || !exp) return { ok: false, reason: 'malformed' };
    const expiresAt = Number(exp) * 1000;
    if (!(expiresAt > now)) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { alertId, personId, expiresAt } };
  }
}
