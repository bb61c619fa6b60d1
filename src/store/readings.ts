import type { Redis } from 'ioredis';
import { batch, isCluster, type Batch } from './batch.js';
import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import type { Sample } from '../domain/station.js';

/**
 * Raw readings of a station: a hash `observedAt (epoch s) → "rain,level"` (empty for a
 * missing value), with a third field `,minutes` when the rain fell over a period longer than
 * 5 minutes (it is then spread over that period in the windows). A rain-only reading is
 * stored as the bare number (`"0.2"`, read like `"0.2,"`, which older versions wrote): a day
 * of 5-minute data is 288 of them, so the byte saved is 7 % of a station's memory. Small
 * values keep a day of 5-minute data in a compact listpack.
 */
export function encodeValue(rain: number | undefined | null, level: number | undefined | null, periodMinutes?: number): string {
  if (rain != null && periodMinutes !== undefined && periodMinutes > 5) return `${rain},${level ?? ''},${periodMinutes}`;
  return level == null ? `${rain ?? ''}` : `${rain ?? ''},${level}`;
}

export function decodeValue(value: string): { rain: number | null; level: number | null; periodMs?: number } {
  const [r = '', l = '', p] = value.split(',');
  const out: { rain: number | null; level: number | null; periodMs?: number } = { rain: r === '' ? null : Number(r), level: l === '' ? null : Number(l) };
  if (p) out.periodMs = Number(p) * 60_000;
  return out;
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
 * Stores readings grouped by station and marks the stations left with readings not yet
 * evaluated dirty (`urgent` ones also urgent) in the shared evaluation sets. On one Redis
 * that is one atomic script call per up to 256 stations, with `extra` commands (quarantine
 * entries) alongside: one round trip. On a cluster, in two steps:
 * 1. one atomic script per station (its own slot), all sent together, with the extras;
 * 2. the dirty marks (the shared sets live in one slot of their own).
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
  // One coalescer per connection and deployment (a process has one of each; tests have several).
  const perPrefix = coalescers.get(redis) ?? new Map<string, IngestCoalescer>();
  coalescers.set(redis, perPrefix);
  let coalescer = perPrefix.get(keys.prefix);
  if (!coalescer) {
    coalescer = new IngestCoalescer(redis, keys);
    perPrefix.set(keys.prefix, coalescer);
  }
  return coalescer.submit({ byStation, now, hotCutoffSec, urgent: opts.urgent, extra: opts.extra });
}

interface IngestJob {
  byStation: Map<string, PendingReading[]>;
  now: number;
  hotCutoffSec: number;
  urgent?: ReadonlySet<string>;
  extra?: (pipe: Batch) => void;
}

const coalescers = new WeakMap<ScriptedRedis, Map<string, IngestCoalescer>>();

/** Requests with at least this many stations are sent on their own, not merged. */
const COALESCE_BELOW_STATIONS = 32;
/** Stations per ingest script call on a single Redis (bounds how long one call holds Redis). */
const MAX_STATIONS_PER_CALL = 256;

type QueuedIngest = { job: IngestJob; resolve: (o: IngestOutcome[]) => void; reject: (e: unknown) => void };

class IngestCoalescer {
  private queue: QueuedIngest[] = [];

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
  ) {}

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
    const { keys } = this;
    // One unit per (request, station). On one Redis up to MAX_STATIONS_PER_CALL units go in one
    // script call, which also marks them dirty; on a cluster each is its own call (its own slot),
    // grouped per node by the client, and the dirty marks follow as a second step.
    const units: Array<{ k: number; stationId: string; list: PendingReading[] }> = [];
    entries.forEach(({ job }, k) => {
      for (const [stationId, list] of job.byStation) units.push({ k, stationId, list });
    });
    const cluster = isCluster(this.redis);
    const perCall = cluster ? 1 : MAX_STATIONS_PER_CALL;
    const pipe = batch(this.redis) as Pipe;
    for (let from = 0; from < units.length; from += perCall) {
      const keyList: string[] = cluster ? [] : [keys.dirty(), keys.urgent()];
      const argv: Array<string | number> = [];
      for (const { k, stationId, list } of units.slice(from, from + perCall)) {
        const { now, hotCutoffSec, urgent } = entries[k]!.job;
        keyList.push(keys.stationReadings(stationId), keys.station(stationId));
        argv.push(now, hotCutoffSec, keys.stationArchiveBase(stationId), list.length);
        if (!cluster) argv.push(stationId, urgent?.has(stationId) ? 1 : 0);
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
    const results = ((await pipe.exec()) ?? []) as Array<[Error | null, unknown]>;

    // Per request: its outcomes, or the first error among its calls.
    const outcomes = entries.map(() => [] as IngestOutcome[]);
    const toEvaluate = new Set<string>();
    const failed = entries.map(() => null as Error | null);
    units.forEach((u, i) => {
      const [err, reply] = results[Math.floor(i / perCall)] ?? [new Error('no reply'), null];
      if (err) {
        failed[u.k] ??= err;
        return;
      }
      // { needsEval, (position, code, stored)… }: only duplicates and conflicts are listed.
      const flat = (reply as Array<Array<number | string>>)[i % perCall]!;
      const listed = new Map<number, IngestOutcome>();
      for (let j = 1; j + 2 < flat.length; j += 3) {
        const at = Number(flat[j]) - 1;
        listed.set(at, { index: u.list[at]!.index, status: Number(flat[j + 1]) === 1 ? 'duplicate' : 'conflict', stored: String(flat[j + 2]) });
      }
      u.list.forEach((r, j) => {
        outcomes[u.k]!.push(listed.get(j) ?? { index: r.index, status: 'new' });
      });
      if (Number(flat[0]) === 1) toEvaluate.add(u.stationId);
    });
    const ok: number[] = [];
    entries.forEach((entry, k) => {
      for (let i = extras[k]!.from; i < extras[k]!.to; i++) failed[k] ??= results[i]?.[0] ?? null;
      if (failed[k]) entry.reject(failed[k]);
      else ok.push(k);
    });
    if (ok.length === 0) return;
    // Cluster, step 2: one dirty mark for all requests that stored their readings.
    if (cluster && toEvaluate.size > 0) {
      const urgent = new Set(ok.flatMap((k) => [...(entries[k]!.job.urgent ?? [])]));
      await markDirty(this.redis, keys, [...toEvaluate], Math.min(...ok.map((k) => entries[k]!.job.now)), urgent);
    }
    for (const k of ok) entries[k]!.resolve(outcomes[k]!);
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
  /** Rain totals of archived readings by UTC day number (the long windows). */
  days: ReadonlyMap<number, number>;
}

/** A consistent snapshot of each station's readings, in one round trip. */
export async function loadStations(redis: ScriptedRedis, keys: Keys, ids: readonly string[]): Promise<Map<string, StationSnapshot>> {
  const pipe = batch(redis) as Pipe;
  for (const id of ids) pipe.fxLoadStation(keys.stationReadings(id), keys.station(id), keys.stationDays(id));
  const results = (await pipe.exec()) ?? [];
  const out = new Map<string, StationSnapshot>();
  ids.forEach((id, i) => {
    const [err, reply] = results[i] ?? [new Error('no reply')];
    if (err) throw err;
    const flat = reply as Array<string | number>;
    const nDays = Number(flat[1] ?? 0);
    const days = new Map<number, number>();
    for (let j = 2; j < 2 + 2 * nDays; j += 2) days.set(Number(flat[j]), Number(flat[j + 1]));
    const rows: Array<{ field: string; sample: Sample }> = [];
    for (let j = 2 + 2 * nDays; j < flat.length; j += 2) {
      const field = String(flat[j]);
      rows.push({ field, sample: { t: Number(field) * 1000, ...decodeValue(String(flat[j + 1])) } });
    }
    rows.sort((a, b) => a.sample.t - b.sample.t);
    out.set(id, { seq: Number(flat[0] ?? 0), samples: rows.map((r) => r.sample), fields: rows.map((r) => r.field), days });
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
    pipe.fxCommitStation(
      keys.station(c.id),
      keys.stationReadings(c.id),
      keys.stationDays(c.id),
      c.seq,
      c.asOf,
      c.state,
      keys.stationArchiveBase(c.id),
      archiveTtlSec,
      ...c.archive,
    );
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
