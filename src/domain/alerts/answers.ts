import { emptyEffects, ledgerEntry, type Alert, type AlertContext, type Effects } from './model.js';
import { distanceM } from './geo.js';

function cancelMessagesFor(alert: Alert, personId: string, fx: Effects): void {
  for (const m of Object.values(alert.messages)) {
    if (m.status !== 'pending') continue;
    if (m.personId === personId && m.kind !== 'lowered' && m.kind !== 'resolved') {
      m.status = 'cancelled';
      fx.cancelled.push(m.id);
    } else if (m.aboutPersonId === personId) {
      m.status = 'cancelled';
      fx.cancelled.push(m.id);
    }
  }
}

export type AckOutcome = 'acked' | 'already' | 'not-recipient' | 'not-open';

/** A person answers (叫应). `by` is the person themselves or a duty officer acting for them. */
export function acknowledge(
  alert: Alert,
  personId: string,
  via: string,
  ctx: AlertContext,
  opts: { by?: string; note?: string } = {},
): { outcome: AckOutcome; effects: Effects } {
  const fx = emptyEffects();
  if (alert.status !== 'open') return { outcome: 'not-open', effects: fx };
  const r = alert.recipients.find((x) => x.personId === personId);
  if (!r) return { outcome: 'not-recipient', effects: fx };
  if (r.ackedAt !== null) return { outcome: 'already', effects: fx };
  r.ackedAt = ctx.now;
  r.ackVia = via;
  r.onBehalfOf = opts.by && opts.by !== personId ? opts.by : null;
  r.ackNote = opts.note ?? null;
  alert.updatedAt = ctx.now;
  alert.timeline.push({ at: ctx.now, type: 'acknowledged', personId, level: alert.level, detail: { via, by: r.onBehalfOf ?? undefined, note: opts.note } });
  cancelMessagesFor(alert, personId, fx);
  if (r.mustAck) {
    const late = r.ackDeadline !== null && ctx.now > r.ackDeadline;
    fx.ledger.push({ ...ledgerEntry(alert, r, late ? 'ack-late' : 'ack', r.ackDeadline, ctx.now, ctx.now), ackVia: via });
  }
  return { outcome: 'acked', effects: fx };
}

/** Haversine distance in metres. */
export type ArriveOutcome = 'arrived' | 'already' | 'not-recipient' | 'not-open';

/** A person reports arrival at the township's command post (到岗). */
export function arrive(
  alert: Alert,
  personId: string,
  ctx: AlertContext,
  where: { lat: number; lon: number } | null,
  commandPost: { lat: number; lon: number } | null,
): { outcome: ArriveOutcome; effects: Effects } {
  const fx = emptyEffects();
  if (alert.status !== 'open') return { outcome: 'not-open', effects: fx };
  const r = alert.recipients.find((x) => x.personId === personId);
  if (!r) return { outcome: 'not-recipient', effects: fx };
  if (r.arrivedAt !== null) return { outcome: 'already', effects: fx };
  r.arrivedAt = ctx.now;
  r.distanceM = where && commandPost ? distanceM(where, commandPost) : null;
  r.farFromPost = r.distanceM === null ? null : r.distanceM > ctx.policy.arrivalRadiusM;
  alert.updatedAt = ctx.now;
  alert.timeline.push({ at: ctx.now, type: 'arrived', personId, detail: { distanceM: r.distanceM, farFromPost: r.farFromPost } });
  // Arriving answers the call too.
  if (r.ackedAt === null) {
    const acked = acknowledge(alert, personId, 'arrival', ctx);
    fx.cancelled.push(...acked.effects.cancelled);
    fx.ledger.push(...acked.effects.ledger);
  }
  if (r.mustAck) {
    const late = r.arriveDeadline !== null && ctx.now > r.arriveDeadline;
    fx.ledger.push(ledgerEntry(alert, r, late ? 'arrive-late' : 'arrive', r.arriveDeadline, ctx.now, ctx.now));
  }
  return { outcome: 'arrived', effects: fx };
}
