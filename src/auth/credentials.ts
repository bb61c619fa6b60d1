import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import { auditArgs, type AuditActor, type AuditChange } from '../store/audit.js';

/**
 * Secrets (gauge keys, staff tokens) are shown once and stored only as SHA-256 hashes:
 * they are long random strings, so a fast hash is enough and a lookup is one HGET.
 */
/** `calendar`: read-only, one person's duty calendar feed only (it lives in calendar apps' URLs). */
export type Role = 'admin' | 'duty' | 'leader' | 'gauge' | 'calendar';
export const STAFF_ROLES: readonly Role[] = ['admin', 'duty', 'leader'];

export interface Principal {
  role: Role;
  /** Credential id (`bootstrap` for FANGXUN_ADMIN_TOKEN). */
  id: string;
  personId?: string;
  /** The person's name, for pages (set by the board from the reference data). */
  name?: string;
  /** Gauge keys: the stations the key may post for, or ['*']. */
  stations?: string[];
}

export interface GaugeKeyRecord {
  id: string;
  name: string;
  stations: string[];
  createdAt: string;
  /** First characters of the key, so a person can tell keys apart. */
  hint: string;
}

export interface TokenRecord {
  id: string;
  role: Exclude<Role, 'gauge'>;
  personId: string | null;
  name: string | null;
  createdAt: string;
  hint: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function canPostFor(principal: Principal, stationId: string): boolean {
  if (principal.role !== 'gauge') return principal.role === 'admin';
  return principal.stations?.includes('*') === true || principal.stations?.includes(stationId) === true;
}

export class CredentialStore {
  private readonly adminHash: Buffer | null;
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly cacheMs = 1_000;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    adminToken: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.adminHash = adminToken ? Buffer.from(hashSecret(adminToken), 'hex') : null;
  }

  /**
   * The principal of a secret. Looked up in Redis, then kept for `cacheMs` (1 s): the ingest
   * path answers thousands of posts a second from a few keys. A revocation in this process
   * takes effect at once; in other processes within `cacheMs`.
   */
  async resolve(secret: string): Promise<Principal | null> {
    if (!secret) return null;
    return this.resolveHash(hashSecret(secret));
  }

  /** The principal of a secret known by its hash (board sessions keep only that). */
  async resolveHash(hash: string): Promise<Principal | null> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return null;
    if (this.adminHash && timingSafeEqual(this.adminHash, Buffer.from(hash, 'hex'))) return { role: 'admin', id: 'bootstrap' };
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const json = await this.redis.hget(this.keys.credentials(), hash);
    const principal = json ? (JSON.parse(json) as Principal) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + this.cacheMs });
    return principal;
  }

  /** A gauge's key; `who` puts the audit record into the same transaction. */
  /** Adds the audit record of a change made by `who` to its transaction (no record when nobody is named: tests, start-up). */
  private audit(tx: ChainableCommander, who: AuditActor | undefined, change: AuditChange): ChainableCommander {
    return who ? tx.xadd(...auditArgs(this.keys, { at: new Date(this.now()).toISOString(), ...who, ...change })) : tx;
  }

  async createGaugeKey(name: string, stations: string[], who?: AuditActor): Promise<{ id: string; key: string; record: GaugeKeyRecord }> {
    const id = `gk_${randomBytes(6).toString('hex')}`;
    const key = newSecret('fxg');
    const record: GaugeKeyRecord = { id, name, stations, createdAt: new Date(this.now()).toISOString(), hint: key.slice(0, 8) };
    const principal: Principal = { role: 'gauge', id, stations };
    const tx = this.redis
      .multi()
      .hset(this.keys.credentials(), hashSecret(key), JSON.stringify(principal))
      .hset(this.keys.gaugeKeys(), id, JSON.stringify({ ...record, hash: hashSecret(key) }));
    await this.audit(tx, who, { action: 'gauge-keys.create', target: `gauge-keys/${id}`, before: null, after: record }).exec();
    return { id, key, record };
  }

  /** A staff token (admin, duty, leader); leader tokens belong to one person. */
  async createToken(
    role: Exclude<Role, 'gauge'>,
    personId?: string,
    name?: string,
    who?: AuditActor,
  ): Promise<{ id: string; token: string; record: TokenRecord }> {
    const id = `tk_${randomBytes(6).toString('hex')}`;
    const token = newSecret('fxt');
    const record: TokenRecord = {
      id,
      role,
      personId: personId ?? null,
      name: name ?? null,
      createdAt: new Date(this.now()).toISOString(),
      hint: token.slice(0, 8),
    };
    const principal: Principal = { role, id, ...(personId ? { personId } : {}) };
    const tx = this.redis
      .multi()
      .hset(this.keys.credentials(), hashSecret(token), JSON.stringify(principal))
      .hset(this.keys.tokens(), id, JSON.stringify({ ...record, hash: hashSecret(token) }));
    await this.audit(tx, who, {
      action: role === 'calendar' ? 'calendar-tokens.create' : 'tokens.create',
      target: `tokens/${id}`,
      before: null,
      after: record,
    }).exec();
    return { id, token, record };
  }

  listTokens(): Promise<TokenRecord[]> {
    return this.listRecords<TokenRecord>(this.keys.tokens());
  }

  revokeToken(id: string, who?: AuditActor, action = 'tokens.revoke'): Promise<boolean> {
    return this.revokeRecord(this.keys.tokens(), id, who && { who, action, target: `tokens/${id}` });
  }

  /** Revokes every token of a person (when the person is deleted); returns how many. */
  async revokeTokensOf(personId: string): Promise<number> {
    const mine = (await this.listTokens()).filter((t) => t.personId === personId);
    for (const t of mine) await this.revokeToken(t.id);
    return mine.length;
  }

  listGaugeKeys(): Promise<GaugeKeyRecord[]> {
    return this.listRecords<GaugeKeyRecord>(this.keys.gaugeKeys());
  }

  revokeGaugeKey(id: string, who?: AuditActor): Promise<boolean> {
    return this.revokeRecord(this.keys.gaugeKeys(), id, who && { who, action: 'gauge-keys.revoke', target: `gauge-keys/${id}` });
  }

  /** Records of issued secrets, without their hashes, oldest first. */
  private async listRecords<R extends { createdAt: string }>(key: string): Promise<R[]> {
    const values = await this.redis.hvals(key);
    return values
      .map((v) => {
        const { hash: _hash, ...record } = JSON.parse(v) as R & { hash: string };
        return record as unknown as R;
      })
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revokes at once: the secret's hash leaves the credential table with its record. */
  private async revokeRecord(key: string, id: string, audit?: { who: AuditActor; action: string; target: string }): Promise<boolean> {
    const json = await this.redis.hget(key, id);
    if (!json) return false;
    const { hash } = JSON.parse(json) as { hash: string };
    const tx = this.redis.multi().hdel(this.keys.credentials(), hash).hdel(key, id);
    await this.audit(tx, audit?.who, { action: audit?.action ?? '', target: audit?.target ?? '', before: { id }, after: null }).exec();
    this.cache.delete(hash);
    return true;
  }
}
