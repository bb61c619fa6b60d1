import { emptyEffects, ledgerEntry, type Alert, type AlertContext, type Effects } from './model.js';

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
