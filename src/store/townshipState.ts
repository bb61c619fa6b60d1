import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import { batch } from './batch.js';
import { streamFields } from './streams.js';
import { townshipWarning } from './townshipWarning.js';
import type { StoredTownshipState } from '../evaluation/engine.js';
import type { TownshipReason } from '../domain/township.js';
import type { MaybeLevel } from '../domain/levels.js';

/** One township's stored state (乡镇/街道): the fields of its hash that readers use. */
export interface TownshipRow {
  /** The evaluated warning state (JSON of level and reasons), or null when none was evaluated. */
  state: string | null;
  /** When the level last changed (ms, as a string). */
  since: string | null;
  /** The warning level alone (for change fingerprints). */
  level: string | null;
  /** The open warning's alert id. */
  alert: string | null;
  /** The open response call-out's alert id (应急响应). */
  response: string | null;
  /** Outside warnings in force (CAP: id → JSON). */
  outside: Record<string, string>;
}

/** A township as the board shows it: its warning (stored evaluation with the outside warnings in force). */
export interface TownshipWarningRow {
  id: string;
  state: StoredTownshipState | null;
  /** When the current warning level began (ms). */
  since: number | null;
  /** The open warning's id. */
  alertId: string | null;
}

export interface TownshipEvent {
  id: string;
  at: number;
  from: MaybeLevel;
  to: MaybeLevel;
  reasons: TownshipReason[];
}

/**
 * Read model of the townships: the township hash and its outside warnings in one round trip, and its
 * level changes. Every reader of a township's hash fields goes through here (routes, board, CAP).
 */
export class TownshipStateReader {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
    private readonly now: () => number,
  ) {}

  /** Each township's warning with the outside warnings in force counted (宁国市气象台暴雨橙色预警). */
  async rows(ids: readonly string[]): Promise<TownshipWarningRow[]> {
    const read = await this.read(ids);
    const now = this.now();
    return ids.map((id) => {
      const r = read.get(id)!;
      return { id, state: townshipWarning(r.state, r.outside, now), since: r.since ? Number(r.since) : null, alertId: r.alert };
    });
  }

  /** Levels, open pointers, gauge trouble and the versions of `alertIds`: changes when the board would. */
  async fingerprint(ids: readonly string[], alertIds: readonly string[]): Promise<string[]> {
    const pipe = batch(this.redis);
    for (const id of ids) pipe.hmget(this.keys.township(id), 'level', 'alert', 'response');
    pipe.hlen(this.keys.offline());
    pipe.hlen(this.keys.silences());
    for (const id of alertIds) pipe.hget(this.keys.alert(id), 'ver');
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([, x]) => JSON.stringify(x));
  }

  async read(ids: readonly string[]): Promise<Map<string, TownshipRow>> {
    const out = new Map<string, TownshipRow>();
    if (ids.length === 0) return out;
    const pipe = batch(this.redis);
    for (const id of ids) pipe.hmget(this.keys.township(id), 'state', 'since', 'level', 'alert', 'response');
    for (const id of ids) pipe.hgetall(this.keys.outsideWarnings(id));
    const replies = (await pipe.exec()) ?? [];
    ids.forEach((id, i) => {
      const [err, values] = replies[i] ?? [];
      if (err) throw err;
      const [outErr, outside] = replies[ids.length + i] ?? [];
      if (outErr) throw outErr;
      const [state = null, since = null, level = null, alert = null, response = null] = values as Array<string | null>;
      out.set(id, { state, since, level, alert: alert || null, response: response || null, outside: (outside as Record<string, string> | null) ?? {} });
    });
    return out;
  }

  /** The township's level changes, newest first. */
  async events(id: string, limit: number): Promise<TownshipEvent[]> {
    const entries = await this.redis.xrevrange(this.keys.townshipEvents(id), '+', '-', 'COUNT', limit);
    return entries.map(([eventId, fields]) => {
      const f = streamFields(fields);
      return {
        id: eventId,
        at: Number(f.at),
        from: (f.from || null) as MaybeLevel,
        to: (f.to || null) as MaybeLevel,
        reasons: JSON.parse(f.reasons ?? '[]') as TownshipReason[],
      };
    });
  }
}
