import type { DutyPolicy as Policy, EscalationStep } from '../policy.js';
import { emptyEffects, pendingTimers, runEscalation, type Alert, type AlertContext, type DeadlineKind, type Effects, type Recipient } from './index.js';

/**
 * Where each unanswered person stands on the escalation chain (升级), and 立即升级: the duty
 * room runs a person's next step now instead of waiting for its time. Pure, as the rest of
 * the alert machine: the step is the same one the deadline timer would run, recorded on the
 * person, so the timer finds it done and the chain goes on from the step after.
 */
export interface NextStep {
  personId: string;
  kind: DeadlineKind;
  step: number;
  action: EscalationStep;
  due: number;
}

/** The next escalation step of every person still owing an answer (or an arrival), soonest first. */
export function nextSteps(alert: Alert, policy: Policy): NextStep[] {
  return pendingTimers(alert, policy)
    .map((t) => ({ personId: t.personId, kind: t.kind, step: t.step, due: t.due, action: policy.escalation[t.step % policy.escalation.length]! }))
    .sort((a, b) => a.due - b.due);
}

/** The person's step to run now: the answer first, then the arrival once they answered. */
function stepFor(alert: Alert, r: Recipient, policy: Policy): NextStep | undefined {
  const mine = nextSteps(alert, policy).filter((s) => s.personId === r.personId);
  return mine.find((s) => s.kind === 'ack') ?? mine.find((s) => s.kind === 'arrive');
}

export type EscalateNowOutcome = { outcome: 'ran'; steps: NextStep[]; effects: Effects } | { outcome: 'not-open' | 'not-recipient' | 'nothing' };

/**
 * 立即升级: runs the next step now for `personId`, or for every must-answer person who has not
 * answered when none is given. `nothing` when no step is left to run (answered, at the post,
 * chain exhausted).
 */
export function escalateNow(alert: Alert, personId: string | null, ctx: AlertContext, by: string): EscalateNowOutcome {
  if (alert.status !== 'open') return { outcome: 'not-open' };
  let people: Recipient[];
  if (personId !== null) {
    const r = alert.recipients.find((x) => x.personId === personId);
    if (!r) return { outcome: 'not-recipient' };
    people = [r];
  } else {
    people = alert.recipients.filter((r) => r.mustAck && r.ackedAt === null && r.arrivedAt === null && r.notifiedAt !== null);
  }
  const fx = emptyEffects();
  const ran: NextStep[] = [];
  for (const r of people) {
    const step = stepFor(alert, r, ctx.policy);
    if (!step) continue;
    const result = runEscalation(alert, { personId: r.personId, kind: step.kind, epoch: r.epoch, step: step.step }, ctx, { by });
    if (!result.ran) continue;
    ran.push(step);
    fx.messages.push(...result.effects.messages);
    fx.timers.push(...result.effects.timers);
    fx.ledger.push(...result.effects.ledger);
    fx.cancelled.push(...result.effects.cancelled);
  }
  return ran.length === 0 ? { outcome: 'nothing' } : { outcome: 'ran', steps: ran, effects: fx };
}
