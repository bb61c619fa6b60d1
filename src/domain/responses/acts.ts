import { levelRank } from '../levels.js';
import type { AdjustInput, EndInput, Response, ResponseAct, StartInput, TownshipTarget } from './model.js';
import { AppError } from '../errors.js';

/**
 * The acts of the HQ on responses, as pure functions: each takes the responses in force and
 * returns the changed responses and what each township's call-out must become (targets) or
 * that it ends (ended). The adapter commits the responses in one step and then brings the
 * call-outs in line; bringing a call-out to a target is idempotent, so a crash in between is
 * repaired by the sweep from the stored responses.
 */
export class ResponseActError extends AppError<'response_not_active' | 'unknown_township' | 'empty_scope' | 'no_change'> {}

export interface ActOutcome {
  /** Every response written by the act (the acted-on one first). */
  changed: Response[];
  targets: TownshipTarget[];
  /** Townships whose call-out ends (narrowed away or the response ended). */
  ended: Array<{ townshipId: string; responseId: string; noticeNumber: string; reason: string; by: string; at: number }>;
}

function checkTownships(ids: readonly string[], all: ReadonlySet<string>): string[] {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new ResponseActError('empty_scope', 'name at least one township, or use scope "city"');
  const unknown = unique.filter((id) => !all.has(id));
  if (unknown.length > 0)
    throw new ResponseActError(
      'unknown_township',
      `no township with id ${unknown
        .slice(0, 5)
        .map((u) => `"${u.slice(0, 40)}"`)
        .join(', ')}; GET /v1/townships lists them`,
    );
  return unique;
}

function targetsOf(r: Response, townshipIds: readonly string[], act: ResponseAct): TownshipTarget[] {
  return townshipIds.map((townshipId) => ({
    townshipId,
    responseId: r.id,
    level: r.level,
    noticeNumber: act.noticeNumber,
    reason: act.reason,
    by: act.by,
    at: act.at,
  }));
}

/** Other active responses lose the townships `taker` now covers; one left with none ends. */
function supersede(taker: Response, covered: readonly string[], actives: readonly Response[], act: ResponseAct): Response[] {
  const changed: Response[] = [];
  const taken = new Set(covered);
  for (const other of actives) {
    if (other.id === taker.id || other.status !== 'active') continue;
    const lost = other.townshipIds.filter((t) => taken.has(t));
    if (lost.length === 0) continue;
    const next: Response = structuredClone(other);
    next.townshipIds = other.townshipIds.filter((t) => !taken.has(t));
    if (next.scope === 'city') next.scope = 'townships';
    next.acts.push({
      type: 'superseded',
      level: other.level,
      townshipIds: lost,
      noticeNumber: act.noticeNumber,
      reason: act.reason,
      by: act.by,
      at: act.at,
      byResponseId: taker.id,
    });
    if (next.townshipIds.length === 0) {
      next.status = 'ended';
      next.endedAt = act.at;
    }
    changed.push(next);
  }
  return changed;
}

export function startResponse(
  id: string,
  input: StartInput,
  allTownships: readonly string[],
  actives: readonly Response[],
  by: string,
  now: number,
  source: Response['source'] = 'hq',
): ActOutcome {
  const all = new Set(allTownships);
  const townshipIds = input.scope === 'city' ? [...allTownships] : checkTownships(input.scope.townships, all);
  const act: ResponseAct = { type: 'start', level: input.level, townshipIds, noticeNumber: input.noticeNumber, reason: input.reason, by, at: now };
  const response: Response = {
    id,
    level: input.level,
    scope: input.scope === 'city' ? 'city' : 'townships',
    townshipIds,
    noticeNumber: input.noticeNumber,
    reason: input.reason,
    status: 'active',
    startsAt: input.startsAt ?? now,
    createdAt: now,
    createdBy: by,
    source,
    endedAt: null,
    acts: [act],
  };
  return { changed: [response, ...supersede(response, townshipIds, actives, act)], targets: targetsOf(response, townshipIds, act), ended: [] };
}

export function adjustResponse(
  current: Response,
  input: AdjustInput,
  allTownships: readonly string[],
  actives: readonly Response[],
  by: string,
  now: number,
): ActOutcome {
  if (current.status !== 'active') throw new ResponseActError('response_not_active', `response ${current.id} has ended; start a new one (POST /v1/responses)`);
  const r: Response = structuredClone(current);
  const level = input.level ?? r.level;
  const townshipIds =
    input.townships === undefined ? r.townshipIds : input.townships === 'city' ? [...allTownships] : checkTownships(input.townships, new Set(allTownships));
  const before = new Set(r.townshipIds);
  const after = new Set(townshipIds);
  const added = townshipIds.filter((t) => !before.has(t));
  const removed = r.townshipIds.filter((t) => !after.has(t));
  const type =
    levelRank(level) > levelRank(r.level)
      ? 'raise'
      : levelRank(level) < levelRank(r.level)
        ? 'lower'
        : added.length > 0
          ? 'widen'
          : removed.length > 0
            ? 'narrow'
            : 'renotice';
  const act: ResponseAct = { type, level, townshipIds, noticeNumber: input.noticeNumber, reason: input.reason, by, at: now };
  r.level = level;
  r.townshipIds = townshipIds;
  if (input.townships !== undefined) r.scope = input.townships === 'city' ? 'city' : 'townships';
  r.noticeNumber = input.noticeNumber;
  r.reason = input.reason;
  r.acts.push(act);
  // Widening and narrowing next to a level change are recorded as their own acts too.
  if (type !== 'widen' && added.length > 0) r.acts.push({ ...act, type: 'widen', townshipIds: added });
  if (type !== 'narrow' && removed.length > 0) r.acts.push({ ...act, type: 'narrow', townshipIds: removed });
  return {
    changed: [r, ...supersede(r, added, actives, act)],
    targets: targetsOf(r, townshipIds, act),
    ended: removed.map((townshipId) => ({ townshipId, responseId: r.id, noticeNumber: input.noticeNumber, reason: input.reason, by, at: now })),
  };
}

export function endResponse(current: Response, input: EndInput, by: string, now: number): ActOutcome {
  if (current.status !== 'active') throw new ResponseActError('response_not_active', `response ${current.id} has already ended`);
  const r: Response = structuredClone(current);
  r.status = 'ended';
  r.endedAt = now;
  r.acts.push({ type: 'end', level: r.level, townshipIds: r.townshipIds, noticeNumber: input.noticeNumber, reason: input.reason, by, at: now });
  return {
    changed: [r],
    targets: [],
    ended: r.townshipIds.map((townshipId) => ({ townshipId, responseId: r.id, noticeNumber: input.noticeNumber, reason: input.reason, by, at: now })),
  };
}

/** The active response covering each township. */
export function coverage(actives: readonly Response[]): Map<string, Response> {
  const out = new Map<string, Response>();
  for (const r of actives) {
    if (r.status !== 'active') continue;
    for (const t of r.townshipIds) {
      const seen = out.get(t);
      if (!seen || seen.createdAt < r.createdAt) out.set(t, r);
    }
  }
  return out;
}

/** What each township's call-out must be now, from the stored responses (for the sweep). */
export function expectedTargets(actives: readonly Response[]): TownshipTarget[] {
  const out: TownshipTarget[] = [];
  for (const [townshipId, r] of coverage(actives)) {
    const act = [...r.acts].reverse().find((a) => a.type !== 'superseded' && a.type !== 'narrow') ?? r.acts[0]!;
    out.push({ townshipId, responseId: r.id, level: r.level, noticeNumber: r.noticeNumber, reason: r.reason, by: act.by, at: act.at });
  }
  return out;
}
