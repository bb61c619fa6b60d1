import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import { batch } from './batch.js';
import { loadStations, type StationSnapshot } from './readings.js';
import type { Silence } from '../domain/staleGauges.js';

/** One station's stored state as HTTP and the board read it (fields of the station hash). */
export interface StationRow {
  state: string | null;
  seq: string | null;
  eseq: string | null;
  seenAt: string | null;
  clockOffSince: string | null;
  clockOffReason: string | null;
}

export interface StationStates {
  rows: Map<string, StationRow>;
  /** Silences by station id (also expired ones: callers compare `until` with their clock). */
  silences: Map<string, Silence>;
  /** Stations reported offline: id → since (ms). */
  offline: Map<string, number>;
}

/**
 * Read model of the stations (测站): their evaluated state, when they were last heard, silences and
 * outages, in one round trip. Routes and the board read stations through this only.
 */
export class StationStateReader {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
  ) {}

  async read(ids: readonly string[]): Promise<StationStates> {
    const pipe = batch(this.redis);
    for (const id of ids) pipe.hmget(this.keys.station(id), 'state', 'seq', 'eseq', 'seenAt', 'clockOffSince', 'clockOffReason');
    pipe.hgetall(this.keys.silences());
    pipe.hgetall(this.keys.offline());
    const replies = (await pipe.exec()) ?? [];
    const rows = new Map<string, StationRow>();
    ids.forEach((id, i) => {
      const [err, values] = replies[i] ?? [];
      if (err) throw err;
      const [state = null, seq = null, eseq = null, seenAt = null, clockOffSince = null, clockOffReason = null] = values as Array<string | null>;
      rows.set(id, { state, seq, eseq, seenAt, clockOffSince, clockOffReason });
    });
    const [silErr, silences = {}] = replies[ids.length] ?? [];
    const [offErr, offline = {}] = replies[ids.length + 1] ?? [];
    if (silErr) throw silErr;
    if (offErr) throw offErr;
    return {
      rows,
      silences: new Map(Object.entries(silences as Record<string, string>).map(([id, json]) => [id, JSON.parse(json) as Silence])),
      offline: new Map(Object.entries(offline as Record<string, string>).map(([id, ms]) => [id, Number(ms)])),
    };
  }

  /** The station's readings the evaluation keeps (its windows), for charts. */
  async samples(id: string): Promise<StationSnapshot['samples']> {
    return (await loadStations(this.redis, this.keys, [id])).get(id)?.samples ?? [];
  }
}
