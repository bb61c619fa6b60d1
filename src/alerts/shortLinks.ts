import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { LinkClaims, LinkSigner } from './links.js';

/**
 * Personal answer links as they go out: `<publicUrl>/a/<code>`, a random code of 12
 * characters (A–Z a–z 0–9, about 71 bits) kept in Redis with the same claims and expiry a
 * signed link carries (one alert, one person, `linkTtl`). Short enough for an SMS template
 * variable (Aliyun allows 35 characters by default; a signed link is over 100). Signed links
 * sent before (`<payload>.<signature>`) keep working: `verify` takes both.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const CODE_LENGTH = 12;
const CODE = /^[A-Za-z0-9]{8,16}$/;

export type LinkVerdict = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** A uniformly random code (rejection sampling keeps every character equally likely). */
export function randomCode(length = CODE_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export class AnswerLinks {
  constructor(
    readonly signer: LinkSigner,
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Stores the claims under a new code that expires with them; returns the code. */
  async issue(claims: LinkClaims): Promise<string> {
    const value = JSON.stringify({ alertId: claims.alertId, personId: claims.personId, expiresAt: claims.expiresAt });
    for (;;) {
      const code = randomCode();
      if ((await this.redis.set(this.keys.answerLink(code), value, 'PXAT', claims.expiresAt, 'NX')) === 'OK') return code;
    }
  }

  /** The claims of a short code or of a signed token, or why it is refused. */
  async verify(token: string, now: number): Promise<LinkVerdict> {
    if (token.includes('.')) return this.signer.verify(token, now);
    if (!CODE.test(token)) return { ok: false, reason: 'malformed' };
    const stored = await this.redis.get(this.keys.answerLink(token));
    // Redis drops a code when it expires: unknown and expired read the same, except a code
    // shorter than any issued, which is a link cut off in forwarding or copying.
    if (!stored) return { ok: false, reason: token.length < CODE_LENGTH ? 'malformed' : 'expired' };
    const claims = JSON.parse(stored) as LinkClaims;
    if (!(claims.expiresAt > now)) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }
}
