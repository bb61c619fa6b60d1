import type { Response } from '../../../domain/responses/model.js';
import type { Alert } from '../../../domain/alerts/index.js';
import type { ReferenceSnapshot } from '../../../reference/store.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

/** JSON of a response. Field names are the contract; times are ISO 8601. */
export function responseSummary(r: Response) {
  return {
    id: r.id,
    level: r.level,
    scope: r.scope === 'city' ? ('city' as const) : { townships: r.townshipIds },
    townshipIds: r.townshipIds,
    notice: r.noticeNumber,
    reason: r.reason,
    status: r.status,
    source: r.source,
    startsAt: iso(r.startsAt),
    createdAt: iso(r.createdAt),
    createdBy: r.createdBy,
    endedAt: iso(r.endedAt),
    acts: r.acts.map((a) => ({
      type: a.type,
      level: a.level,
      townshipIds: a.townshipIds,
      notice: a.noticeNumber,
      reason: a.reason,
      by: a.by,
      at: iso(a.at),
      byResponseId: a.byResponseId ?? null,
    })),
  };
}

/** Per township: each person told, with notified / acknowledged / arrived and the distance from the post (到岗到位). */
export function responseDetail(r: Response, callouts: ReadonlyMap<string, Alert>, ref: ReferenceSnapshot) {
  const townships = [...new Set([...r.townshipIds, ...r.acts.flatMap((a) => a.townshipIds)])].map((tid) => {
    const a = callouts.get(tid);
    return {
      townshipId: tid,
      name: ref.townships.get(tid)?.name ?? tid,
      covered: r.status === 'active' && r.townshipIds.includes(tid),
      calloutId: a?.id ?? null,
      level: a?.level ?? null,
      people: (a?.recipients ?? []).map((p) => ({
        personId: p.personId,
        name: p.name,
        role: p.role,
        mustAck: p.mustAck,
        notifiedAt: iso(p.notifiedAt),
        ackDeadline: iso(p.ackDeadline),
        ackedAt: iso(p.ackedAt),
        ackVia: p.ackVia,
        arriveDeadline: iso(p.arriveDeadline),
        arrivedAt: iso(p.arrivedAt),
        distanceM: p.distanceM,
        farFromPost: p.farFromPost,
        arrival: p.arrival ?? null,
      })),
    };
  });
  const timeline = [
    ...r.acts.map((a) => ({
      at: a.at,
      type: `response-${a.type}`,
      townshipId: null as string | null,
      personId: null as string | null,
      detail: { level: a.level, notice: a.noticeNumber, reason: a.reason, by: a.by, townshipIds: a.townshipIds } as Record<string, unknown>,
    })),
    ...[...callouts.values()].flatMap((a) =>
      a.timeline.map((t) => ({
        at: t.at,
        type: t.type,
        townshipId: a.townshipId,
        personId: t.personId ?? null,
        detail: { level: t.level ?? null, ...(t.detail ?? {}) },
      })),
    ),
  ]
    .sort((x, y) => x.at - y.at)
    .map((t) => ({ ...t, at: iso(t.at) }));
  return { ...responseSummary(r), townships, timeline };
}
