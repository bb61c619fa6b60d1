import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import { hashSecret, type CredentialStore, type Principal } from './credentials.js';
import type { StaffRole } from './signInCodes.js';

/**
 * Board sign-in sessions. The cookie holds a random session id, never the staff token: signing
 * out ends the session in Redis (a copied cookie stops working), and revoking the token ends
 * every session opened with it. A session opened by a code sent to a phone holds the person and
 * the board role they had then, and ends when the person leaves the reference data. Sessions
 * last `ttlMs` (service.yaml `signIn.sessionLength`, 24 h: a duty shift).
 */
export class BoardSessions {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly credentials: CredentialStore,
    private readonly ttlMs: number,
    private readonly personExists: (personId: string) => Promise<boolean>,
  ) {}

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** A new session for a valid token; returns the session id for the cookie. */
  async open(token: string): Promise<string> {
    return this.store(hashSecret(token));
  }

  /** A new session for a person signed in by a code (no token behind it). */
  async openForPerson(personId: string, role: StaffRole): Promise<string> {
    return this.store(JSON.stringify({ personId, role }));
  }

  private async store(value: string): Promise<string> {
    const sid = randomBytes(24).toString('base64url');
    await this.redis.set(this.keys.boardSession(hashSecret(sid)), value, 'PX', this.ttlMs);
    return sid;
  }

  /** The principal behind a session id, or null (unknown, ended, expired, its token revoked or its person gone). */
  async principal(sid: string): Promise<Principal | null> {
    if (!sid || sid.length > 100) return null;
    const value = await this.redis.get(this.keys.boardSession(hashSecret(sid)));
    if (!value) return null;
    if (!value.startsWith('{')) return this.credentials.resolveHash(value);
    const { personId, role } = JSON.parse(value) as { personId: string; role: StaffRole };
    return (await this.personExists(personId)) ? { role, id: `person:${personId}`, personId } : null;
  }

  async end(sid: string): Promise<void> {
    if (sid && sid.length <= 100) await this.redis.del(this.keys.boardSession(hashSecret(sid)));
  }
}
