import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/** A Redis stream entry's flat [field, value, …] list as an object. */
export function streamFields(fields: readonly string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return f;
}

/** A `limit` query parameter clamped to [1, max], with a default. */
export function limitParam(raw: string | undefined, fallback: number, max: number): number {
  return Math.min(Math.max(Number(raw ?? fallback) || fallback, 1), max);
}

/** Appends one refused reading, with why, to the quarantine stream (GET /v1/admin/quarantine). */
export function addQuarantine(
  pipe: { xadd(...args: string[]): unknown },
  key: string,
  q: { stationId: string; receivedAt: number; reason: string; reading: unknown },
): void {
  pipe.xadd(
    key,
    'MAXLEN',
    '~',
    '100000',
    '*',
    'stationId',
    q.stationId,
    'receivedAt',
    new Date(q.receivedAt).toISOString(),
    'reason',
    q.reason,
    'reading',
    JSON.stringify(q.reading),
  );
}

/** A message drill mode kept instead of sending it (演练模式). */
export interface OutboxEntry {
  id: string;
  at: number;
  channel: string;
  to: string;
  message: { personId?: string } & Record<string, unknown>;
}

/** An SL 651 frame refused: unknown station address or wrong password. */
export interface RefusedFrame {
  id: string;
  at: number;
  address: string;
  reason: string;
  remote: string | null;
}

/** A reading refused for being outside its station's plausible bounds, kept for review. */
export interface QuarantinedReading {
  id: string;
  stationId: string;
  receivedAt: string;
  reason: string;
  reading: unknown;
}

/** Read model of the operational streams an admin reviews: drill outbox, refused frames, quarantine. Newest first. */
export class StreamReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async outbox(limit: number): Promise<OutboxEntry[]> {
    return (await this.redis.xrevrange(this.keys.outbox(), '+', '-', 'COUNT', limit)).map(([id, fields]) => {
      const f = streamFields(fields);
      return { id, at: Number(f.at), channel: f.channel ?? '', to: f.to ?? '', message: JSON.parse(f.message ?? '{}') as OutboxEntry['message'] };
    });
  }

  async sl651Refused(limit: number): Promise<RefusedFrame[]> {
    return (await this.redis.xrevrange(this.keys.sl651Refused(), '+', '-', 'COUNT', limit)).map(([id, fields]) => {
      const f = streamFields(fields);
      return { id, at: Number(f.at), address: f.address ?? '', reason: f.reason ?? '', remote: f.remote ?? null };
    });
  }

  async quarantine(limit: number): Promise<QuarantinedReading[]> {
    return (await this.redis.xrevrange(this.keys.quarantine(), '+', '-', 'COUNT', limit)).map(([id, fields]) => {
      const f = streamFields(fields);
      return { id, stationId: f.stationId ?? '', receivedAt: f.receivedAt ?? '', reason: f.reason ?? '', reading: JSON.parse(f.reading ?? 'null') as unknown };
    });
  }
}
