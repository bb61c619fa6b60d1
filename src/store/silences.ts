import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { auditArgs, type AuditActor } from './audit.js';
import type { Silence } from '../domain/staleGauges.js';

/** Stations an admin silenced (maintenance): set and lifted with their audit record in one transaction. */
export class SilenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number,
  ) {}

  async get(stationId: string): Promise<Silence | null> {
    const json = await this.redis.hget(this.keys.silences(), stationId);
    return json ? (JSON.parse(json) as Silence) : null;
  }

  async set(stationId: string, silence: Silence, who: AuditActor): Promise<void> {
    const before = await this.get(stationId);
    await this.redis
      .multi()
      .hset(this.keys.silences(), stationId, JSON.stringify(silence))
      .xadd(
        ...auditArgs(this.keys, {
          at: new Date(this.now()).toISOString(),
          ...who,
          action: 'stations.silence',
          target: `stations/${stationId}`,
          before,
          after: silence,
        }),
      )
      .exec();
  }

  /** Lifts the silence; false when the station was not silenced. */
  async remove(stationId: string, who: AuditActor): Promise<boolean> {
    const before = await this.get(stationId);
    if (!before) return false;
    await this.redis
      .multi()
      .hdel(this.keys.silences(), stationId)
      .xadd(
        ...auditArgs(this.keys, {
          at: new Date(this.now()).toISOString(),
          ...who,
          action: 'stations.unsilence',
          target: `stations/${stationId}`,
          before,
          after: null,
        }),
      )
      .exec();
    return true;
  }
}
