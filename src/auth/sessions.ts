import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import { hashSecret, type CredentialStore, type Principal } from './credentials.js';

/**
 * Board sign-in sessions. The cookie holds a random session id, never the staff token: signing
 * out ends the session in Redis (a copied cookie stops working), and revoking the token ends
 * every session opened with it. Sessions last `ttlMs` (12 h, a duty shift and some).
 */
export class BoardSessions {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly credentials: CredentialStore,
    private readonly ttlMs = 12 * 3_600_000,
  ) {}

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** A new session for a valid token; returns the session id for the cookie. */
  async open(token: string): Promise<string> {
    const sid = randomBytes(24).toString('base64url');
    await this.redis.set(this.keys.boardSession(hashSecret(sid)), hashSecret(token), 'PX', this.ttlMs);
    return sid;
  }

  /** The principal behind a session id, or null (unknown, ended, expired or its token revoked). */
  async principal(sid: string): Promise<Principal | null> {
    if (!sid || sid.length > 100) return null;
    const tokenHash = await this.redis.get(this.keys.boardSession(hashSecret(sid)));
    return tokenHash ? this.credentials.resolveHash(tokenHash) : null;
  }

  async end(sid: string): Promise<void> {
    if (sid && sid.length <= 100) await this.redis.del(this.keys.boardSession(hashSecret(sid)));
  }
}
