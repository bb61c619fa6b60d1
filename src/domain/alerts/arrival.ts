import { acknowledge } from './answers.js';
import { distanceM } from './geo.js';
import { emptyEffects, ledgerEntry, type Alert, type AlertContext, type ArrivalCheck, type Effects } from './model.js';

export type ArriveOutcome = 'arrived' | 'already' | 'not-recipient' | 'not-open';

type Point = { lat: number; lon: number };

/** The same person's arrivals reported at other townships' posts (any call-out). */
export interface OtherArrival {
  townshipId: string;
  at: number;
}

/**
 * What is doubtful about an arrival: far from the post, no location, or other posts within
 * `multiPostWithin` (one person cannot be at two command posts minutes apart).
 */
export function checkArrival(
  townshipId: string,
  where: Point | null,
  commandPost: Point | null,
  others: readonly OtherArrival[],
  now: number,
  policy: { arrivalRadiusM: number; arrivalMultiPostWithin: number },
): ArrivalCheck {
  const distance = where && commandPost ? distanceM(where, commandPost) : null;
  const far = distance !== null && distance > policy.arrivalRadiusM;
  const noLocation = where === null;
  const multiPost = [
    ...new Set(others.filter((o) => o.townshipId !== townshipId && Math.abs(now - o.at) <= policy.arrivalMultiPostWithin).map((o) => o.townshipId)),
  ];
  return { far, distanceM: distance, noLocation, multiPost, flagged: far || noLocation || multiPost.length > 0 };
}

/** A person reports arrival at the township's command post (到岗). */
export function arrive(
  alert: Alert,
  personId: string,
  ctx: AlertContext,
  where: Point | null,
  commandPost: Point | null,
  others: readonly OtherArrival[] = [],
): { outcome: ArriveOutcome; effects: Effects } {
  const fx = emptyEffects();
  if (alert.status !== 'open') return { outcome: 'not-open', effects: fx };
  const r = alert.recipients.find((x) => x.personId === personId);
  if (!r) return { outcome: 'not-recipient', effects: fx };
  if (r.arrivedAt !== null) return { outcome: 'already', effects: fx };
  const check = checkArrival(alert.townshipId, where, commandPost, others, ctx.now, ctx.policy);
  r.arrivedAt = ctx.now;
  r.distanceM = check.distanceM;
  r.farFromPost = check.distanceM === null ? null : check.far;
  r.arrival = check;
  alert.updatedAt = ctx.now;
  alert.timeline.push({
    at: ctx.now,
    type: 'arrived',
    personId,
    detail: { distanceM: r.distanceM, farFromPost: r.farFromPost, ...(check.flagged ? { arrival: check } : {}) },
  });
  // Arriving answers the call too.
  if (r.ackedAt === null) {
    const acked = acknowledge(alert, personId, 'arrival', ctx);
    fx.cancelled.push(...acked.effects.cancelled);
    fx.ledger.push(...acked.effects.ledger);
  }
  if (r.mustAck) {
    const late = r.arriveDeadline !== null && ctx.now > r.arriveDeadline;
    fx.ledger.push({ ...ledgerEntry(alert, r, late ? 'arrive-late' : 'arrive', r.arriveDeadline, ctx.now, ctx.now), arrival: check });
  }
  return { outcome: 'arrived', effects: fx };
}
