import type { Level } from '../levels.js';
import type { DutyPolicy as Policy } from '../policy.js';
import { addMessage, emptyEffects, ledgerEntry, type Alert, type AlertContext, type Effects, type EscalationRecord, type Timer } from './model.js';

/** When each step of the escalation chain of a deadline is due. */
export function escalationDue(deadline: number, step: number, level: Level, policy: Policy): number {
  return deadline + step * policy.levels[level].ackWithin;
}

export function chainLength(policy: Policy): number {
  return policy.escalation.length * policy.repeatEscalation;
}

/**
 * A deadline timer fired. Runs the escalation step when it still applies: the alert is
 * open, the timer belongs to the person's current deadlines, they have not answered (or
 * arrived), and the step has not run before. Returns no effects otherwise.
 */
export function runEscalation(
  alert: Alert,
  timer: Pick<Timer, 'personId' | 'kind' | 'epoch' | 'step'>,
  ctx: AlertContext,
  early: { by: string } | null = null,
): { ran: boolean; effects: Effects } {
  const fx = emptyEffects();
  const none = { ran: false, effects: fx };
  if (alert.status !== 'open') return none;
  const r = alert.recipients.find((x) => x.personId === timer.personId);
  if (!r?.mustAck || r.epoch !== timer.epoch) return none;
  // Someone at the command post is never escalated or booked as missing (DOMAIN: 到岗到位).
  if (r.arrivedAt !== null) return none;
  const deadline = timer.kind === 'ack' ? r.ackDeadline : r.arriveDeadline;
  if (deadline === null) return none;
  if (timer.kind === 'ack' ? r.ackedAt !== null : r.arrivedAt !== null) return none;
  if (r.escalations.some((e) => e.kind === timer.kind && e.epoch === timer.epoch && e.step === timer.step)) return none;
  const total = chainLength(ctx.policy);
  if (timer.step >= total) return none;
  const due = escalationDue(deadline, timer.step, alert.level, ctx.policy);
  if (ctx.now < due && !early) return none;

  const action = ctx.policy.escalation[timer.step % ctx.policy.escalation.length]!;
  const round = Math.floor(timer.step / ctx.policy.escalation.length);
  const record: EscalationRecord = { kind: timer.kind, epoch: timer.epoch, step: timer.step, action, at: ctx.now, notified: [] };
  const tag = `${timer.kind}${timer.step}`;
  // The miss is booked by the first step that runs once the deadline has passed: the duty room may
  // escalate before it (立即升级), and the person has not missed anything yet then.
  const booked = r.escalations.some((e) => e.kind === timer.kind && e.epoch === timer.epoch && e.at >= deadline);
  if (ctx.now >= deadline && !booked) fx.ledger.push(ledgerEntry(alert, r, timer.kind === 'ack' ? 'ack-missed' : 'arrive-missed', deadline, null, ctx.now));
  if (action === 'renotify' || action === 'call') {
    // A `call` rung rings the person's phone first, then their other contacts. The missed
    // deadline is past: the message gives the time the next step runs.
    const call = action === 'call' ? { call: true, contactOffset: 0 } : { contactOffset: round + 1 };
    const renewed = escalationDue(deadline, timer.step + 1, alert.level, ctx.policy);
    addMessage(
      alert,
      fx,
      ctx.now,
      { personId: r.personId, aboutPersonId: null, kind: timer.kind === 'ack' ? 'renotify' : 'reminder', withLink: true, deadline: renewed, ...call },
      tag,
    );
    record.notified.push(r.personId);
  } else {
    for (const p of ctx.whoIs(action)) {
      if (p.id === r.personId) continue;
      addMessage(
        alert,
        fx,
        ctx.now,
        { personId: p.id, aboutPersonId: r.personId, kind: 'escalate', contactOffset: 0, withLink: false, deadline },
        `${r.personId}:${tag}`,
      );
      record.notified.push(p.id);
    }
  }
  r.escalations.push(record);
  alert.updatedAt = ctx.now;
  alert.timeline.push({
    at: ctx.now,
    type: timer.kind === 'ack' ? 'ack-overdue' : 'arrival-overdue',
    personId: r.personId,
    detail: { step: timer.step, action, notified: record.notified, ...(early ? { early: true, by: early.by } : {}) },
  });
  if (timer.step + 1 < total) {
    fx.timers.push({
      alertId: alert.id,
      personId: r.personId,
      kind: timer.kind,
      epoch: timer.epoch,
      step: timer.step + 1,
      due: escalationDue(deadline, timer.step + 1, alert.level, ctx.policy),
    });
  }
  return { ran: true, effects: fx };
}
