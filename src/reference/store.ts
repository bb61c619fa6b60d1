import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import { auditArgs } from '../store/audit.js';
import { formatPath, zodIssues, type InputIssue } from '../lib/issues.js';
import { datasetSchema, type Assignment, type Dataset, type Person, type Shift, type Station, type Township } from './schema.js';

/**
 * Reference data in Redis (one hash per collection, JSON values) with an in-process
 * snapshot. Every write bumps `ref:version`; readers re-check it at most every
 * `recheckMs`, so other processes see an import within that time.
 */
export interface ReferenceSnapshot {
  version: number;
  townships: Map<string, Township>;
  stations: Map<string, Station>;
  people: Map<string, Person>;
  assignments: Assignment[];
  shifts: Shift[];
  stationsByTownship: Map<string, Station[]>;
}

export type Collection = 'townships' | 'stations' | 'people' | 'assignments' | 'shifts';
export const COLLECTIONS: readonly Collection[] = ['townships', 'stations', 'people', 'assignments', 'shifts'];

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}
export type ImportResult = { ok: true; counts: Record<Collection, ImportCounts>; dirtyStations: number } | { ok: false; issues: InputIssue[] };

export function assignmentKey(a: Assignment): string {
  return `${a.townshipId}|${a.role}|${a.personId}|${a.object ?? ''}`;
}

/** Shifts are identified by their id, or by their start instant when they have none. */
export function shiftId(s: { id?: string; start: string }): string {
  return s.id ?? `shift-${new Date(s.start).toISOString()}`;
}

function recordKey(collection: Collection, record: unknown): string {
  if (collection === 'assignments') return assignmentKey(record as Assignment);
  if (collection === 'shifts') return shiftId(record as Shift);
  return (record as { id: string }).id;
}

export class ReferenceStore {
  private snapshotCache: ReferenceSnapshot | null = null;
  private checkedAt = 0;
  private loading: Promise<ReferenceSnapshot> | null = null;
  private generation = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
    private readonly recheckMs = 1_000,
  ) {}

  /** After a write: the next snapshot() reads Redis again, even if a read was in flight. */
  invalidate(): void {
    this.checkedAt = 0;
    this.loading = null;
    this.generation++;
  }

  /**
   * The reference data, re-checked against Redis at most every `recheckMs`; `fresh` checks
   * now (one GET), for callers about to act on a record another process may just have written.
   */
  async snapshot(opts: { fresh?: boolean } = {}): Promise<ReferenceSnapshot> {
    const cached = this.snapshotCache;
    if (cached && !opts.fresh && this.now() - this.checkedAt < this.recheckMs) return cached;
    if (!this.loading) {
      const loading: Promise<ReferenceSnapshot> = this.refresh(this.generation).finally(() => {
        if (this.loading === loading) this.loading = null;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  private async refresh(generation: number): Promise<ReferenceSnapshot> {
    const started = this.now();
    const version = Number((await this.redis.get(this.keys.refVersion())) ?? 0);
    // A read that an invalidate() overtook must not mark the cache as checked.
    const current = () => generation === this.generation;
    if (this.snapshotCache && this.snapshotCache.version === version) {
      if (current()) this.checkedAt = started;
      return this.snapshotCache;
    }
    const pipeline = this.redis.multi();
    pipeline.get(this.keys.refVersion());
    for (const c of COLLECTIONS) pipeline.hvals(this.keys.ref(c));
    const results = (await pipeline.exec()) ?? [];
    const [vErr, v] = results[0] ?? [];
    if (vErr) throw vErr;
    const values = (i: number) => {
      const [err, list] = results[i + 1] ?? [];
      if (err) throw err;
      return (list as string[]).map((json) => JSON.parse(json) as unknown);
    };
    const townships = new Map((values(0) as Township[]).map((t) => [t.id, t]));
    const stations = new Map((values(1) as Station[]).map((s) => [s.id, s]));
    const people = new Map((values(2) as Person[]).map((p) => [p.id, p]));
    const stationsByTownship = new Map<string, Station[]>();
    for (const s of stations.values()) {
      const list = stationsByTownship.get(s.townshipId) ?? [];
      list.push(s);
      stationsByTownship.set(s.townshipId, list);
    }
    const shifts = (values(4) as Shift[]).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const snapshot: ReferenceSnapshot = {
      version: Number(v ?? 0),
      townships,
      stations,
      people,
      assignments: values(3) as Assignment[],
      shifts,
      stationsByTownship,
    };
    if (current()) {
      this.snapshotCache = snapshot;
      this.checkedAt = started;
    }
    return snapshot;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.redis.hlen(this.keys.ref('townships'))) === 0;
  }

  /**
   * Upserts a dataset: all or nothing. Every problem is listed with its path
   * (`stations[3].townshipId`) before anything is written.
   */
  async importDataset(input: unknown, audit?: { actor: string; role: string; action?: string; requestId?: string }): Promise<ImportResult> {
    const parsed = datasetSchema.safeParse(input);
    if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
    const data = parsed.data;
    const current = await this.snapshot();
    const issues = checkReferences(data, current);
    if (issues.length > 0) return { ok: false, issues };

    const counts = {} as Record<Collection, ImportCounts>;
    const writes: Array<[Collection, string, string]> = [];
    const existing = await this.readExisting(data);
    for (const c of COLLECTIONS) {
      counts[c] = { created: 0, updated: 0, unchanged: 0 };
      for (const record of data[c]) {
        const key = recordKey(c, record);
        const json = JSON.stringify(c === 'shifts' ? { ...record, id: key } : record);
        const before = existing[c].get(key);
        if (before === undefined) counts[c].created++;
        else if (before === json) {
          counts[c].unchanged++;
          continue;
        } else counts[c].updated++;
        writes.push([c, key, json]);
      }
    }

    // Stations whose thresholds, rules or township changed (or whose township's rules did) are re-evaluated.
    const changedTownships = new Set(writes.filter(([c]) => c === 'townships').map(([, k]) => k));
    const dirty = new Set(writes.filter(([c]) => c === 'stations').map(([, k]) => k));
    for (const tid of changedTownships) for (const s of current.stationsByTownship.get(tid) ?? []) dirty.add(s.id);
    for (const s of data.stations) if (changedTownships.has(s.townshipId)) dirty.add(s.id);

    if (writes.length > 0) {
      const tx = this.redis.multi();
      const at = new Date(this.now()).toISOString();
      for (const [c, key, json] of writes) {
        tx.hset(this.keys.ref(c), key, json);
        tx.hincrby(this.keys.refRecordVersions(c), key, 1);
        if (audit) {
          const before = existing[c].get(key);
          tx.xadd(
            ...auditArgs(this.keys, {
              at,
              actor: audit.actor,
              role: audit.role,
              action: audit.action ?? `${c}.import`,
              target: `${c}/${key}`,
              before: before ? (JSON.parse(before) as unknown) : null,
              after: JSON.parse(json) as unknown,
              requestId: audit.requestId,
            }),
          );
        }
      }
      tx.incr(this.keys.refVersion());
      const now = this.now();
      for (const id of dirty) tx.zadd(this.keys.dirty(), 'NX', now, id);
      await tx.exec();
      this.invalidate();
    }
    return { ok: true, counts, dirtyStations: dirty.size };
  }

  private async readExisting(data: Dataset): Promise<Record<Collection, Map<string, string>>> {
    const pipeline = this.redis.pipeline();
    const order: Array<[Collection, string[]]> = [];
    for (const c of COLLECTIONS) {
      const ids = data[c].map((r) => recordKey(c, r));
      order.push([c, ids]);
      if (ids.length > 0) pipeline.hmget(this.keys.ref(c), ...ids);
    }
    const results = (await pipeline.exec()) ?? [];
    const out = {} as Record<Collection, Map<string, string>>;
    let i = 0;
    for (const [c, ids] of order) {
      out[c] = new Map();
      if (ids.length === 0) continue;
      const [err, values] = results[i++] ?? [];
      if (err) throw err;
      (values as Array<string | null>).forEach((v, j) => {
        if (v !== null) out[c].set(ids[j]!, v);
      });
    }
    return out;
  }
}

/** Every reference in the dataset must resolve, in the dataset itself or in what is stored. */
export function checkReferences(data: Dataset, current: ReferenceSnapshot): InputIssue[] {
  const issues: InputIssue[] = [];
  const townships = new Set([...current.townships.keys(), ...data.townships.map((t) => t.id)]);
  const people = new Set([...current.people.keys(), ...data.people.map((p) => p.id)]);
  const dupCheck = (c: Collection, list: unknown[]) => {
    const firstAt = new Map<string, number>();
    list.forEach((r, i) => {
      const key = recordKey(c, r);
      const first = firstAt.get(key);
      if (first !== undefined) issues.push({ path: formatPath([c, i]), message: `duplicates ${formatPath([c, first])} (same id ${key})` });
      else firstAt.set(key, i);
    });
  };
  for (const c of COLLECTIONS) dupCheck(c, data[c]);
  data.stations.forEach((s, i) => {
    if (!townships.has(s.townshipId)) issues.push({ path: formatPath(['stations', i, 'townshipId']), message: `unknown township "${s.townshipId}"` });
  });
  const addresses = new Map<string, string>();
  for (const s of current.stations.values()) if (s.sl651Address) addresses.set(s.sl651Address.toUpperCase(), s.id);
  data.stations.forEach((s, i) => {
    if (!s.sl651Address) return;
    const holder = addresses.get(s.sl651Address.toUpperCase());
    if (holder && holder !== s.id) issues.push({ path: formatPath(['stations', i, 'sl651Address']), message: `already used by station ${holder}` });
    addresses.set(s.sl651Address.toUpperCase(), s.id);
  });
  data.assignments.forEach((a, i) => {
    if (!townships.has(a.townshipId)) issues.push({ path: formatPath(['assignments', i, 'townshipId']), message: `unknown township "${a.townshipId}"` });
    if (!people.has(a.personId)) issues.push({ path: formatPath(['assignments', i, 'personId']), message: `unknown person "${a.personId}"` });
  });
  data.shifts.forEach((s, i) => {
    if (!people.has(s.leaderId)) issues.push({ path: formatPath(['shifts', i, 'leaderId']), message: `unknown person "${s.leaderId}"` });
    s.officerIds.forEach((o, j) => {
      if (!people.has(o)) issues.push({ path: formatPath(['shifts', i, 'officerIds', j]), message: `unknown person "${o}"` });
    });
  });
  return issues;
}
