import type { DutyPolicy as Policy } from '../policy.js';
import type { Alert, DeadlineKind, Timer } from './model.js';
import { chainLength, escalationDue } from './escalation.js';

/** Timers due together for one alert (one job, one commit, instead of one per person). */
export interface TimerGroup {
  alertId: string;
  kind: DeadlineKind;
  epoch: number;
  step: number;
  due: number;
  personIds: string[];
}

export function groupTimers(timers: readonly Timer[]): TimerGroup[] {
  const groups = new Map<string, TimerGroup>();
  for (const t of timers) {
    const key = `${t.alertId}|${t.kind}|${t.epoch}|${t.step}|${t.due}`;
    const g = groups.get(key) ?? { alertId: t.alertId, kind: t.kind, epoch: t.epoch, step: t.step, due: t.due, personIds: [] };
    if (!g.personIds.includes(t.personId)) g.personIds.push(t.personId);
    groups.set(key, g);
  }
  for (const g of groups.values()) g.personIds.sort();
  return [...groups.values()];
}

/** Timers that should exist for an open alert now (to rebuild lost ones). */
export function pendingTimers(alert: Alert, policy: Policy): Timer[] {
  if (alert.status !== 'open') return [];
  const out: Timer[] = [];
  const total = chainLength(policy);
  for (const r of alert.recipients) {
    if (!r.mustAck || r.arrivedAt !== null) continue;
    for (const kind of ['ack', 'arrive'] as const) {
      const deadline = kind === 'ack' ? r.ackDeadline : r.arriveDeadline;
      const done = kind === 'ack' ? r.ackedAt !== null : r.arrivedAt !== null;
      if (deadline === null || done) continue;
      const fired = r.escalations.filter((e) => e.kind === kind && e.epoch === r.epoch).map((e) => e.step);
      const next = fired.length === 0 ? 0 : Math.max(...fired) + 1;
      if (next >= total) continue;
      out.push({ alertId: alert.id, personId: r.personId, kind, epoch: r.epoch, step: next, due: escalationDue(deadline, next, alert.level, policy) });
    }
  }
  return out;
}
