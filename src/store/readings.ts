import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import type { Sample } from '../domain/station.js';

/**
 * Raw readings of a station: a hash `observedAt (epoch s) → "rain,level"` (empty for a
 * missing value). Small values keep a day of 5-minute data in a compact listpack.
 */
export function encodeValue(rain: number | undefined | null, level: number | undefined | null): string {
  return `${rain ?? ''},${level ?? ''}`;
}

export function decodeValue(value: string): { rain: number | null; level: number | null } {
  const comma = value.indexOf(',');
  const r = value.slice(0, comma);
  const l = value.slice(comma + 1);
  return { rain: r === '' ? null : Number(r), level: l === '' ? null : Number(l) };
}

export interface PendingReading {
  /** Position in the request, to report back. */
  index: number;
  tsSec: number;
  value: string;
}

export type IngestOutcome = { index: number; status: 'new' } | { index: number; status: 'duplicate' | 'conflict'; stored: string };

type Pipe = ReturnType<Redis['pipeline']> & {
  fxIngest(...args: Array<string | number>): Pipe;
  fxLoadStation(...args: string[]): Pipe;
  fxCommitStation(...args: Array<string | number>): Pipe;
};

/**
 * Stores readings grouped by station: one atomic script per station, all in one round trip.
 * `extra` may queue more commands (quarantine entries) into the same pipeline.
 */
export async function storeReadings(
  redis: ScriptedRedis,
  keys: Keys,
  byStation: Map<string, PendingReading[]>,
  now: number,
  hotCutoffSec: number,
  extra?: (pipe: ReturnType<Redis['pipeline']>) => void,
): Promise<IngestOutcome[]> {
  const pipe = redis.pipeline() as Pipe;
  const order: Array<PendingReading[]> = [];
  for (const [stationId, list] of byStation) {
    const argv: Array<string | number> = [now, stationId, hotCutoffSec, keys.stationArchiveBase(stationId)];
    for (const r of list) argv.push(r.tsSec, r.value);
    pipe.fxIngest(keys.stationReadings(stationId), keys.station(stationId), keys.dirty(), ...argv);
    order.push(list);
  }
  extra?.(pipe);
  const results = (await pipe.exec()) ?? [];
  const outcomes: IngestOutcome[] = [];
  order.forEach((list, i) => {
    const [err, reply] = results[i] ?? [new Error('no reply')];
    if (err) throw err;
    const flat = reply as Array<number | string>;
    list.forEach((r, j) => {
      const code = Number(flat[j * 2]);
      if (code === 0) outcomes.push({ index: r.index, status: 'new' });
      else outcomes.push({ index: r.index, status: code === 1 ? 'duplicate' : 'conflict', stored: String(flat[j * 2 + 1]) });
    });
  });
  for (let i = order.length; i < results.length; i++) if (results[i]?.[0]) throw results[i]![0];
  return outcomes;
}

export interface StationSnapshot {
  seq: number;
  samples: Sample[];
  /** Epoch seconds of each stored reading, sorted like `samples`. */
  fields: string[];
}

/** A consistent snapshot of each station's readings, in one round trip. */
export async function loadStations(redis: ScriptedRedis, keys: Keys, ids: readonly string[]): Promise<Map<string, StationSnapshot>> {
  const pipe = redis.pipeline() as Pipe;
  for (const id of ids) pipe.fxLoadStation(keys.stationReadings(id), keys.station(id));
  const results = (await pipe.exec()) ?? [];
  const out = new Map<string, StationSnapshot>();
  ids.forEach((id, i) => {
    const [err, reply] = results[i] ?? [new Error('no reply')];
    if (err) throw err;
    const flat = reply as string[];
    const rows: Array<{ field: string; sample: Sample }> = [];
    for (let j = 1; j < flat.length; j += 2) {
      const field = flat[j]!;
      rows.push({ field, sample: { t: Number(field) * 1000, ...decodeValue(flat[j + 1]!) } });
    }
    rows.sort((a, b) => a.sample.t - b.sample.t);
    out.set(id, { seq: Number(flat[0] ?? 0), samples: rows.map((r) => r.sample), fields: rows.map((r) => r.field) });
  });
  return out;
}

export interface StationCommit {
  id: string;
  seq: number;
  asOf: number;
  state: string;
  active: boolean;
  archive: string[];
}

/** Writes evaluated states (each guarded against a newer one); returns which were written. */
export async function commitStations(redis: ScriptedRedis, keys: Keys, commits: readonly StationCommit[], archiveTtlSec: number): Promise<boolean[]> {
  const pipe = redis.pipeline() as Pipe;
  for (const c of commits) {
    pipe.fxCommitStation(
      keys.station(c.id),
      keys.stationReadings(c.id),
      keys.active(),
      c.seq,
      c.asOf,
      c.state,
      c.active ? 1 : 0,
      c.id,
      keys.stationArchiveBase(c.id),
      archiveTtlSec,
      ...c.archive,
    );
  }
  const results = (await pipe.exec()) ?? [];
  return results.map(([err, reply]) => {
    if (err) throw err;
    return Number(reply) === 1;
  });
}
