import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import type { ScriptedRedis } from '../store/scripts.js';
import { batch, type Batch } from '../store/batch.js';
import type { ReferenceSnapshot, ReferenceStore } from '../reference/store.js';
import { commitStations, loadStations, type StationCommit } from '../store/readings.js';
import { evaluateStation, type Calendar, type StationEvaluation } from '../domain/station.js';
import { resolveRules, type RuleSet } from '../domain/rules.js';
import { evaluateTownship, type StationInput, type TownshipEvaluation, type TownshipPolicy } from '../domain/township.js';
import type { MaybeLevel } from '../domain/levels.js';
import { offlineAfterMs } from '../domain/staleGauges.js';

/**
 * Evaluation: load what is due, apply the pure domain, record. Redis state is the truth;
 * the dirty set says which stations have readings not yet evaluated, and claims with a
 * lease make sure a crashed worker's stations are taken up again.
 */
export interface EngineContext {
  redis: ScriptedRedis;
  keys: Keys;
  config: AppConfig;
  reference: ReferenceStore;
  now: () => number;
  log: Logger;
  /** Told of townships whose level changed: warnings follow at once (AlertService.onLevelChanges). */
  alerts?: { onLevelChanges(townshipIds: string[]): Promise<void> };
  /** Then the city is looked at as a whole: the advice to the HQ (Advisor.advise). */
  advisor?: { advise(): Promise<unknown> };
}

/** Hands level changes on to the warnings, then to the advice. A lost hand-off is caught by the alerts sweep: the level is already stored. */
async function handOff(ctx: EngineContext, townshipIds: string[]): Promise<void> {
  try {
    await ctx.alerts?.onLevelChanges(townshipIds);
    await ctx.advisor?.advise();
  } catch (err) {
    ctx.log.warn({ err }, 'level change not handed to alerts; the sweep will');
  }
}

/** What a station's stored state holds (JSON in its hash). */
export interface StoredStationState extends StationEvaluation {
  seq: number;
  /** Set while the gauge is silent (数据中断): the state is that of its last reading. */
  stale?: { since: number } | null;
}

/** What a township's stored state holds. */
export interface StoredTownshipState extends TownshipEvaluation {
  evaluatedAt: number;
  /** Member stations whose data stopped (their last level still counts). */
  staleStations?: string[];
}

export interface LevelChange {
  eventId: string;
  townshipId: string;
  at: number;
  from: MaybeLevel;
  to: MaybeLevel;
}

export interface EvaluationReport {
  stations: number;
  townships: number;
  changes: LevelChange[];
}

export function calendarOf(config: AppConfig): Calendar {
  return { timeZone: config.levels.timezone, dayStartHour: config.levels.dayStartHour, seasonStart: config.levels.seasonStart };
}

export function defaultRules(config: AppConfig): RuleSet {
  const { rainfall, river, reservoir, rise } = config.levels;
  return { rainfall, river, reservoir, rise };
}

export function townshipPolicy(config: AppConfig, ref: ReferenceSnapshot, townshipId: string): TownshipPolicy {
  const own = ref.townships.get(townshipId)?.aggregation;
  return { ...config.levels.township, ...own, minStations: own?.minStations ?? config.levels.township.minStations };
}

/** Evaluates claimed stations until none is dirty (or `maxRounds` is reached). */
export async function evaluateDirty(ctx: EngineContext, maxRounds = 100): Promise<EvaluationReport> {
  const { redis, keys } = ctx;
  const { claimBatch, claimLease, settle } = ctx.config.service.evaluation;
  const report: EvaluationReport = { stations: 0, townships: 0, changes: [] };
  for (let round = 0; round < maxRounds; round++) {
    const claimId = randomUUID();
    const ids = await redis.fxClaim(keys.dirty(), keys.inflight(), keys.urgent(), ctx.now(), claimLease, claimBatch, claimId, settle);
    if (ids.length === 0) break;
    // A short round means the backlog is gone: stop, and let the next (coalesced) wake-up
    // take what arrives meanwhile in one bigger round, rather than spin on a trickle.
    const short = ids.length < Math.max(1, claimBatch / 10);
    const { townships: townshipIds, committed } = await evaluateStations(ctx, ids);
    const changes = await recomputeTownships(ctx, townshipIds, committed);
    // Released only after the townships are recomputed: a crash before this hands the stations on.
    await redis.zrem(keys.inflight(), ...ids.map((id) => `${id}|${claimId}`));
    report.stations += ids.length;
    report.townships += townshipIds.length;
    report.changes.push(...changes);
    if (changes.length > 0)
      await handOff(
        ctx,
        changes.map((c) => c.townshipId),
      );
    if (short && round > 0) break;
  }
  return report;
}

/** What a station pass wrote: the townships to recompute and the new state versions. */
export interface StationPass {
  townships: string[];
  committed: Array<{ id: string; townshipId: string; sv: number }>;
}

/** Evaluates the given stations from their stored readings. */
export async function evaluateStations(ctx: EngineContext, ids: readonly string[]): Promise<StationPass> {
  const { redis, keys, config } = ctx;
  let ref = await ctx.reference.snapshot();
  // A station imported a moment ago by another process must not be dropped as unknown.
  if (ids.some((id) => !ref.stations.has(id))) ref = await ctx.reference.snapshot({ fresh: true });
  const snapshots = await loadStations(redis, keys, ids);
  const now = ctx.now();
  const cal = calendarOf(config);
  const defaults = defaultRules(config);
  const archiveBefore = Math.floor((now - config.service.evaluation.hotRetention) / 1000);
  const commits: StationCommit[] = [];
  const states: Array<{ townshipId: string; state: StoredStationState }> = [];
  const townships = new Set<string>();
  for (const id of ids) {
    const station = ref.stations.get(id);
    const snap = snapshots.get(id);
    if (!station || !snap) continue; // deleted station: nothing to evaluate
    townships.add(station.townshipId);
    const rules = resolveRules(defaults, ref.townships.get(station.townshipId)?.rules, station.rules);
    // Missing data is unknown, not zero: a gauge that fell silent keeps the state of its last
    // reading (数据中断) instead of letting its windows roll forward over no data.
    const last = snap.samples.at(-1)?.t ?? null;
    const stale = last !== null && now - last > offlineAfterMs(station.intervalMinutes);
    const asOf = stale ? last : Math.max(now, last ?? 0);
    const evaluation = evaluateStation(snap.samples, station, rules, asOf, cal, snap.days);
    const state: StoredStationState = { ...evaluation, seq: snap.seq, stale: stale ? { since: last } : null };
    states.push({ townshipId: station.townshipId, state });
    commits.push({
      id,
      seq: snap.seq,
      // Newest evaluation wins by when it was made (a silent gauge's state is as of its last reading).
      asOf: Math.max(now, last ?? 0),
      state: JSON.stringify(state),
      active: evaluation.level !== null || evaluation.rainfall['24h'] > 0 || evaluation.rainfall.day > 0,
      // A silent gauge's readings stay hot: they are what its frozen state is computed from.
      archive: stale ? [] : snap.fields.filter((f) => Number(f) < archiveBefore),
    });
  }
  const committed: StationPass['committed'] = [];
  if (commits.length > 0) {
    const versions = await commitStations(redis, keys, commits, Math.ceil(config.service.archive.keep / 1000));
    versions.forEach((sv, i) => {
      if (sv <= 0) return; // a newer state stood
      const { id } = commits[i]!;
      const { townshipId, state } = states[i]!;
      committed.push({ id, townshipId, sv });
      // What this process just wrote need not be read back for the township.
      cacheState(ctx, id, sv, state);
    });
  }
  return { townships: [...townships], committed };
}

/**
 * Stored station states, through a per-process cache keyed by the state's version (`sv`,
 * bumped by every write of the state). A township of many stations is recomputed often;
 * re-reading every member's state, even its version, each time was the largest cost of the
 * evaluation. The versions come from the township's member-version hash (one read per
 * township, `fxTownshipTicket`); a member missing there (never evaluated since it joined
 * the township) is asked directly.
 */
const stateCache = new Map<string, { version: number; state: StoredStationState }>();

function cacheState(ctx: EngineContext, id: string, version: number, state: StoredStationState): void {
  if (stateCache.size > 200_000) stateCache.clear();
  stateCache.set(`${ctx.keys.prefix}|${id}`, { version, state });
}

async function stationStates(ctx: EngineContext, ids: readonly string[], known: ReadonlyMap<string, number>): Promise<Map<string, StoredStationState>> {
  const { redis, keys } = ctx;
  const unknown = ids.filter((id) => !known.has(id));
  const versions = new Map(known);
  if (unknown.length > 0) {
    const ask = batch(redis);
    for (const id of unknown) ask.hget(keys.station(id), 'sv');
    const replies = (await ask.exec()) ?? [];
    unknown.forEach((id, i) => {
      const [err, v] = replies[i] ?? [];
      if (err) throw err;
      if (v !== null && v !== undefined) versions.set(id, Number(v)); // else never evaluated
    });
  }
  const out = new Map<string, StoredStationState>();
  const missing: string[] = [];
  for (const id of ids) {
    const version = versions.get(id);
    if (version === undefined) continue;
    const cached = stateCache.get(`${ctx.keys.prefix}|${id}`);
    if (cached && cached.version >= version) out.set(id, cached.state);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const reads = batch(redis);
    for (const id of missing) reads.hmget(keys.station(id), 'state', 'sv');
    const replies = (await reads.exec()) ?? [];
    missing.forEach((id, i) => {
      const [err, v] = replies[i] ?? [];
      if (err) throw err;
      const [json, sv] = v as Array<string | null>;
      if (!json) return;
      const state = JSON.parse(json) as StoredStationState;
      out.set(id, state);
      // Cached under the version read together with the state (atomic HMGET).
      cacheState(ctx, id, Number(sv), state);
    });
  }
  return out;
}

/**
 * Recomputes townships from their stations' stored states. Each computation takes a
 * ticket (`want`) before reading; only a computation newer than the last one written is
 * kept, so parallel workers never record a level from an older view. `committed` are the
 * station states this pass wrote: their versions are recorded with the ticket.
 */
export async function recomputeTownships(ctx: EngineContext, townshipIds: readonly string[], committed: StationPass['committed'] = []): Promise<LevelChange[]> {
  if (townshipIds.length === 0) return [];
  const { redis, keys, config } = ctx;
  const ref = await ctx.reference.snapshot();
  const written = new Map<string, Array<string | number>>();
  for (const c of committed) {
    const list = written.get(c.townshipId) ?? [];
    list.push(c.id, c.sv);
    written.set(c.townshipId, list);
  }
  const tickets = batch(redis) as Batch & { fxTownshipTicket(...a: Array<string | number>): unknown };
  for (const tid of townshipIds) tickets.fxTownshipTicket(keys.township(tid), keys.townshipMemberVersions(tid), ...(written.get(tid) ?? []));
  const ticketReplies = (await tickets.exec()) ?? [];
  const wants: number[] = [];
  const known = new Map<string, number>();
  townshipIds.forEach((_tid, i) => {
    const [err, reply] = ticketReplies[i] ?? [new Error('no reply')];
    if (err) throw err;
    const flat = reply as Array<number | string>;
    wants.push(Number(flat[0]));
    for (let j = 1; j < flat.length; j += 2) known.set(String(flat[j]), Number(flat[j + 1]));
  });

  const members = townshipIds.map((tid) => (ref.stationsByTownship.get(tid) ?? []).map((s) => s.id));
  const states = await stationStates(ctx, [...new Set(members.flat())], known);

  const now = ctx.now();
  const defaults = defaultRules(config);
  const commits = batch(redis) as Batch & { fxCommitTownship(...a: Array<string | number>): unknown };
  const levels: MaybeLevel[] = [];
  townshipIds.forEach((tid, i) => {
    const inputs: StationInput[] = [];
    for (const id of members[i]!) {
      const state = states.get(id);
      if (state) inputs.push({ id, evaluation: state });
    }
    const rules = resolveRules(defaults, ref.townships.get(tid)?.rules);
    const evaluation = evaluateTownship(inputs, townshipPolicy(config, ref, tid), rules.rainfall);
    const staleStations = members[i]!.filter((id) => states.get(id)?.stale);
    const state: StoredTownshipState = { ...evaluation, evaluatedAt: now, staleStations };
    levels.push(evaluation.level);
    commits.fxCommitTownship(
      keys.township(tid),
      keys.townshipEvents(tid),
      wants[i]!,
      evaluation.level ?? '',
      JSON.stringify(state),
      now,
      JSON.stringify(evaluation.reasons),
      tid,
    );
  });
  const results = (await commits.exec()) ?? [];
  const changes: LevelChange[] = [];
  results.forEach(([err, reply], i) => {
    if (err) throw err;
    const [written, eventId, prev] = reply as [number, string, string];
    if (Number(written) === 1 && eventId) {
      changes.push({ eventId, townshipId: townshipIds[i]!, at: now, from: (prev || null) as MaybeLevel, to: levels[i] ?? null });
    }
  });
  for (const c of changes) {
    const t = ref.townships.get(c.townshipId);
    ctx.log.info({ townshipId: c.townshipId, township: t?.name, from: c.from, to: c.to, eventId: c.eventId }, 'township level changed');
  }
  return changes;
}

/** Stations with rain in their windows or a level are marked for re-evaluation, so windows roll on. */
export async function markActiveDirty(ctx: EngineContext): Promise<number> {
  const ids = await ctx.redis.smembers(ctx.keys.active());
  if (ids.length === 0) return 0;
  const now = ctx.now();
  const args: Array<string | number> = [];
  for (const id of ids) args.push(now, id);
  await ctx.redis.zadd(ctx.keys.dirty(), 'NX', ...args);
  return ids.length;
}
