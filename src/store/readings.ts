import type { Redis } from 'ioredis';
import { batch, isCluster, type Batch } from './batch.js';
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

type Pipe = Batch & {
  fxIngest(...args: Array<string | number>): Pipe;
  fxIngestMany(...args: Array<string | number>): Pipe;
  fxLoadStation(...args: string[]): Pipe;
  fxCommitStation(...args: Array<string | number>): Pipe;
};

/**
 * Stores readings grouped by station, in two steps:
 * 1. one atomic script per station (its own slot), all sent together, with `extra`
 *    commands (quarantine entries) alongside;
 * 2. the stations left with readings not yet evaluated are marked dirty (and `urgent`
 *    ones marked urgent) in the shared evaluation sets.
 * The order makes a failure between the steps safe: the readings are stored but the request
 * fails (no 2xx), and the gauge's resend finds them stored and not yet evaluated, and marks
 * the station then. Marking first would let a worker evaluate before the readings land.
 *
 * Small requests that arrive together (many gauges posting one reading each) share the round
 * trips: what is submitted during one turn of the event loop goes out as one batch per step.
 * A big batch goes out at once on its own (merging it would only hold it, and others, back).
 */
export function storeReadings(
  redis: ScriptedRedis,
  keys: Keys,
  byStation: Map<string, PendingReading[]>,
  now: number,
  hotCutoffSec: number,
  opts: { urgent?: ReadonlySet<string>; extra?: (pipe: Batch) => void } = {},
): Promise<IngestOutcome[]> {
  let coalescer = coalescers.get(redis);
  if (!coalescer) {
    coalescer = new IngestCoalescer(redis);
    coalescers.set(redis, coalescer);
  }
  return coalescer.submit({ keys, byStation, now, hotCutoffSec, urgent: opts.urgent, extra: opts.extra });
}

interface IngestJob {
  keys: Keys;
  byStation: Map<string, PendingReading[]>;
  now: number;
  hotCutoffSec: number;
  urgent?: ReadonlySet<string>;
  extra?: (pipe: Batch) => void;
}

const coalescers = new WeakMap<ScriptedRedis, IngestCoalescer>();

/** Requests with at least this many stations are sent on their own, not merged. */
const COALESCE_BELOW_STATIONS = 32;
/** Stations per ingest script call on a single Redis (bounds how long one call holds Redis). */
const MAX_STATIONS_PER_CALL = 256;

type QueuedIngest = { job: IngestJob; resolve: (o: IngestOutcome[]) => void; reject: (e: unknown) => void };

class IngestCoalescer {
  private queue: QueuedIngest[] = [];

  constructor(private readonly redis: ScriptedRedis) {}

  submit(job: IngestJob): Promise<IngestOutcome[]> {
    return new Promise((resolve, reject) => {
      if (job.byStation.size >= COALESCE_BELOW_STATIONS) this.sendSafely([{ job, resolve, reject }]);
      else if (this.queue.push({ job, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const entries = this.queue;
    this.queue = [];
    this.sendSafely(entries);
  }

  /** Whatever goes wrong, every waiting request gets its answer (an error means no 2xx). */
  private sendSafely(entries: QueuedIngest[]): void {
    this.send(entries).catch((err: unknown) => {
      for (const e of entries) e.reject(err);
    });
  }

  private async send(entries: QueuedIngest[]): Promise<void> {
    // One unit per (request, station); on one Redis, up to MAX_STATIONS_PER_CALL stations go in
    // one script call.
    const units: Array<{ k: number; stationId: string; list: PendingReading[] }> = [];
    entries.forEach(({ job }, k) => {
      for (const [stationId, list] of job.byStation) units.push({ k, stationId, list });
    });
    // On a cluster each station is its own call (its own slot); the client groups calls per node.
    const groups: number[][] = [];
    const cluster = isCluster(this.redis);
    const perCall = cluster ? 1 : MAX_STATIONS_PER_CALL;
    for (let i = 0; i < units.length; i += perCall) groups.push(units.slice(i, i + perCall).map((_, j) => i + j));
    const pipe = batch(this.redis) as Pipe;
    for (const g of groups) {
      const keyList: string[] = [];
      const argv: Array<string | number> = [];
      for (const i of g) {
        const { k, stationId, list } = units[i]!;
        const { keys, now, hotCutoffSec } = entries[k]!.job;
        keyList.push(keys.stationReadings(stationId), keys.station(stationId));
        argv.push(now, hotCutoffSec, keys.stationArchiveBase(stationId), list.length);
        for (const r of list) argv.push(r.tsSec, r.value);
      }
      if (cluster) pipe.fxIngest(keyList[0]!, keyList[1]!, ...argv);
      else pipe.fxIngestMany(keyList.length, ...keyList, ...argv);
    }
    const extras = entries.map(({ job }) => {
      const from = pipe.length;
      job.extra?.(pipe);
      return { from, to: pipe.length };
    });
    let results: Array<[Error | null, unknown]>;
    try {
      results = ((await pipe.exec()) ?? []) as Array<[Error | null, unknown]>;
    } catch (err) {
      for (const e of entries) e.reject(err);
      return;
    }
    // Each unit's reply (or its call's error).
    const replies: Array<{ err: Error | null; flat: Array<number | string> }> = [];
    groups.forEach((g, gi) => {
      const [err, reply] = results[gi] ?? [new Error('no reply'), null];
      g.forEach((i, j) => (replies[i] = { err, flat: err ? [] : (reply as Array<Array<number | string>>)[j]! }));
    });
    // Step 1 per request: outcomes, or the request's first error.
    const outcomes = entries.map(() => [] as IngestOutcome[]);
    const toEvaluate = entries.map(() => [] as string[]);
    const failed = entries.map(() => null as Error | null);
    units.forEach((u, i) => {
      const { err, flat } = replies[i]!;
      if (err) {
        failed[u.k] ??= err;
        return;
      }
      // Only duplicates and conflicts are listed (1-based position, code, stored value).
      const seen = new Map<number, IngestOutcome>();
      for (let j = 1; j + 2 < flat.length; j += 3) {
        const r = u.list[Number(flat[j]) - 1]!;
        seen.set(Number(flat[j]) - 1, { index: r.index, status: Number(flat[j + 1]) === 1 ? 'duplicate' : 'conflict', stored: String(flat[j + 2]) });
      }
      u.list.forEach((r, j) => outcomes[u.k]!.push(seen.get(j) ?? { index: r.index, status: 'new' }));
      if (Number(flat[0]) === 1) toEvaluate[u.k]!.push(u.stationId);
    });
    const done: Array<{ entry: (typeof entries)[number]; outcomes: IngestOutcome[]; toEvaluate: string[] }> = [];
    entries.forEach((entry, k) => {
      for (let i = extras[k]!.from; i < extras[k]!.to; i++) failed[k] ??= results[i]?.[0] ?? null;
      if (failed[k]) entry.reject(failed[k]);
      else done.push({ entry, outcomes: outcomes[k]!, toEvaluate: toEvaluate[k]! });
    });
    // Step 2: one mark per deployment (key prefix) for all requests of the batch.
    const byKeys = new Map<Keys, typeof done>();
    for (const d of done) byKeys.set(d.entry.job.keys, [...(byKeys.get(d.entry.job.keys) ?? []), d]);
    await Promise.all(
      [...byKeys].map(async ([keys, group]) => {
        const ids = [...new Set(group.flatMap((d) => d.toEvaluate))];
        const urgent = new Set(group.flatMap((d) => [...(d.entry.job.urgent ?? [])]));
        try {
          if (ids.length > 0) await markDirty(this.redis, keys, ids, Math.min(...group.map((d) => d.entry.job.now)), urgent);
          for (const d of group) d.entry.resolve(d.outcomes);
        } catch (err) {
          for (const d of group) d.entry.reject(err);
        }
      }),
    );
  }
}

/**
 * Marks stations for evaluation (the shared sets live in one slot: one round trip).
 * Urgent ones (a reading at or over a threshold) are claimed first.
 */
export async function markDirty(redis: Redis, keys: Keys, ids: readonly string[], now: number, urgent?: ReadonlySet<string>): Promise<void> {
  const pipe = redis.pipeline();
  pipe.zadd(keys.dirty(), 'NX', ...ids.flatMap((id) => [now, id]));
  const hot = urgent ? ids.filter((id) => urgent.has(id)) : [];
  if (hot.length > 0) pipe.zadd(keys.urgent(), 'NX', ...hot.flatMap((id) => [now, id]));
  for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
}

export interface StationSnapshot {
  seq: number;
  samples: Sample[];
  /** Epoch seconds of each stored reading, sorted like `samples`. */
  fields: string[];
}

/** A consistent snapshot of each station's readings, in one round trip. */
export async function loadStations(redis: ScriptedRedis, keys: Keys, ids: readonly string[]): Promise<Map<string, StationSnapshot>> {
  const pipe = batch(redis) as Pipe;
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

/**
 * Writes evaluated states (each guarded against a newer one), then brings the shared active
 * set in step for the states written; returns each state's new version (0: not written,
 * a newer one stood). Both steps happen before
 * the caller releases its claim, so a crash between them hands the stations to another
 * worker, whose commit repeats both.
 */
export async function commitStations(redis: ScriptedRedis, keys: Keys, commits: readonly StationCommit[], archiveTtlSec: number): Promise<number[]> {
  const pipe = batch(redis) as Pipe;
  for (const c of commits) {
    pipe.fxCommitStation(keys.station(c.id), keys.stationReadings(c.id), c.seq, c.asOf, c.state, keys.stationArchiveBase(c.id), archiveTtlSec, ...c.archive);
  }
  const results = (await pipe.exec()) ?? [];
  const versions = results.map(([err, reply]) => {
    if (err) throw err;
    return Number(reply);
  });
  const written = versions.map((v) => v > 0);
  const active = commits.filter((c, i) => written[i] && c.active).map((c) => c.id);
  const inactive = commits.filter((c, i) => written[i] && !c.active).map((c) => c.id);
  if (active.length + inactive.length > 0) {
    const sets = redis.pipeline();
    if (active.length > 0) sets.sadd(keys.active(), ...active);
    if (inactive.length > 0) sets.srem(keys.active(), ...inactive);
    for (const [err] of (await sets.exec()) ?? []) if (err) throw err;
  }
  return versions;
}
