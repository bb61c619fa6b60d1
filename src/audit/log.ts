import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { Principal } from '../auth/credentials.js';

/**
 * The audit trail: every admin change (who, when, what, before and after), append-only in a
 * Redis stream. Writers add their entry in the same MULTI as the change when they can
 * (`auditCommand`), so an accepted change never lacks its record.
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

export function actorOf(p: Principal | null | undefined): { actor: string; role: string } {
  if (!p) return { actor: 'system', role: 'system' };
  return { actor: p.personId ?? p.id, role: p.role };
}

/** Arguments for XADD of one audit entry (use inside a MULTI with the change). */
export function auditArgs(keys: Keys, e: AuditEntry): [string, ...string[]] {
  return [keys.audit(), 'MAXLEN', '~', '1000000', '*', 'entry', JSON.stringify(e)];
}

export async function recordAudit(redis: Redis, keys: Keys, e: AuditEntry): Promise<void> {
  await redis.xadd(...auditArgs(keys, e));
}

export async function readAudit(redis: Redis, keys: Keys, opts: { limit: number; target?: string; action?: string }): Promise<Array<AuditEntry & { id: string }>> {
  const out: Array<AuditEntry & { id: string }> = [];
  let end = '+';
  while (out.length < opts.limit) {
    const batch = await redis.xrevrange(keys.audit(), end, '-', 'COUNT', 500);
    if (batch.length === 0) break;
    for (const [id, fields] of batch) {
      const e = JSON.parse(fields[1]!) as AuditEntry;
      if ((!opts.target || e.target === opts.target || e.target.startsWith(`${opts.target}/`)) && (!opts.action || e.action === opts.action)) out.push({ id, ...e });
      if (out.length >= opts.limit) break;
    }
    const last = batch.at(-1)![0];
    const [ms, seq] = last.split('-').map(Number) as [number, number];
    end = seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}-18446744073709551615`;
    if (batch.length < 500) break;
  }
  return out;
}
