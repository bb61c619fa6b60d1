import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import { batch } from './batch.js';
import { townshipWarning } from './townshipWarning.js';
import type { StoredTownshipState } from '../evaluation/engine.js';

/**
 * Read model of the townships for the board: each one's warning (its stored evaluation with the
 * outside warnings in force), since when, its open warning, in one round trip; and a cheap
 * fingerprint of what the board shows, for its live stream. Pages read through this, never Redis.
 */
export interface TownshipRow {
  id: string;
  state: StoredTownshipState | null;
  /** When the current warning level began (ms). */
  since: number | null;
  /** The open warning's id. */
  alertId: string | null;
}

export class TownshipStateReader {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
    private readonly now: () => number,
  ) {}

  async rows(ids: readonly string[]): Promise<TownshipRow[]> {
    const pipe = batch(this.redis);
    for (const id of ids) pipe.hmget(this.keys.township(id), 'state', 'since', 'alert');
    for (const id of ids) pipe.hgetall(this.keys.outsideWarnings(id));
    const replies = (await pipe.exec()) ?? [];
    const now = this.now();
    return ids.map((id, i) => {
      const [state, since, alert] = (replies[i]?.[1] as Array<string | null>) ?? [];
      return {
        id,
        // Outside warnings in force count and show as evidence (宁国市气象台暴雨橙色预警).
        state: townshipWarning(state ?? null, replies[ids.length + i]?.[1] as Record<string, string> | null, now),
        since: since ? Number(since) : null,
        alertId: alert || null,
      };
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
}
