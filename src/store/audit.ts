import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { Principal } from '../auth/credentials.js';

/**
 * The audit trail: every admin change (who, when, what, before and after), append-only in a Redis
 * stream. It is written in one way only: `auditArgs` puts the entry into the same MULTI (or Lua
 * call) as the change it records, so an accepted change never lacks its record. The stream shares the
 * global slot with the records it audits (Redis Cluster).
 */
export interface AuditEntry {
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  requestId?: string;
}

/** Who made a change and in which request: the part of an entry that comes from HTTP. */
export interface AuditActor {
  actor: string;
  role: string;
  requestId?: string;
}

/** What a change's entry says besides its actor and time. */
export interface AuditChange {
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export function actorOf(p: Principal | null | undefined, requestId?: string): AuditActor {
  if (!p) return { actor: 'system', role: 'system' };
  return { actor: p.personId ?? p.id, role: p.role, ...(requestId ? { requestId } : {}) };
}

/** Arguments for XADD of one audit entry (inside the MULTI of the change, or as KEYS/ARGV for Lua). */
export function auditArgs(keys: Keys, e: AuditEntry): [string, ...string[]] {
  return [keys.audit(), 'MAXLEN', '~', '1000000', '*', 'entry', JSON.stringify(e)];
}

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Entries newest first, filtered by target (and what lies under it) and action. */
  read(opts: { limit: number; target?: string; action?: string }): Promise<Array<AuditEntry & { id: string }>> {
    return readAudit(this.redis, this.keys, opts);
  }
}

export async function readAudit(
  redis: Redis,
  keys: Keys,
  opts: { limit: number; target?: string; action?: string },
): Promise<Array<AuditEntry & { id: string }>> {
  const out: Array<AuditEntry & { id: string }> = [];
  let end = '+';
  while (out.length < opts.limit) {
    const batch = await redis.xrevrange(keys.audit(), end, '-', 'COUNT', 500);
    if (batch.length === 0) break;
    for (const [id, fields] of batch) {
      const e = JSON.parse(fields[1]!) as AuditEntry;
      if ((!opts.target || e.target === opts.target || e.target.startsWith(`${opts.target}/`)) && (!opts.action || e.action === opts.action))
        out.push({ id, ...e });
      if (out.length >= opts.limit) break;
    }
    const last = batch.at(-1)![0];
    const [ms, seq] = last.split('-').map(Number) as [number, number];
    end = seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}-18446744073709551615`;
    if (batch.length < 500) break;
  }
  return out;
}
