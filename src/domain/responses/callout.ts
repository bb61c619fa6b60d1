import { levelRank } from '../levels.js';
import type { TownshipReason } from '../township.js';
import {
  addMessage,
  closeCallout,
  emptyEffects,
  notifyAtLevel,
  openAlert,
  recipientsAt,
  type Alert,
  type AlertContext,
  type Effects,
} from '../alerts/index.js';
import type { TownshipTarget } from './model.js';

/**
 * A township's part of an HQ response, as a call-out (the same recipient, deadline and
 * escalation machinery as a warning, under the `responses:` policy). Bringing a call-out to a
 * target is idempotent: the same target twice changes nothing.
 *
 * - start / raise / widen: everyone the response policy names at the level is told, with the
 *   notice number and the level's deadlines; someone already at the post is asked only to
 *   acknowledge the new level (never to arrive again);
 * - lower and a new notice at the same level: everyone told so far is informed; people the lower
 *   level no longer names have nothing left pending;
 * - end: everyone told so far is informed; nothing pending remains.
 */
export function openResponseCallout(id: string, target: TownshipTarget, reasons: TownshipReason[], ctx: AlertContext): { alert: Alert; effects: Effects } {
  const declared = { level: target.level, notice: target.noticeNumber, reason: target.reason, by: target.by, at: target.at };
  const { alert, effects } = openAlert(id, target.townshipId, target.level, reasons, ctx, declared, null);
  alert.kind = 'response';
  alert.responseId = target.responseId;
  alert.timeline[0]!.detail = { ...alert.timeline[0]!.detail, responseId: target.responseId };
  return { alert, effects };
}

/** True when the call-out already is what the target asks for. */
export function calloutMatches(alert: Alert, target: TownshipTarget): boolean {
  return alert.status === 'open' && alert.responseId === target.responseId && alert.level === target.level && alert.declared?.notice === target.noticeNumber;
}

export function applyResponseTarget(alert: Alert, target: TownshipTarget, reasons: TownshipReason[], ctx: AlertContext): Effects {
  const fx = emptyEffects();
  if (alert.status !== 'open' || calloutMatches(alert, target)) return fx;
  const from = alert.level;
  const fromResponse = alert.responseId ?? null;
  alert.responseId = target.responseId;
  alert.declared = { level: target.level, notice: target.noticeNumber, reason: target.reason, by: target.by, at: target.at };
  alert.updatedAt = ctx.now;
  alert.reasons = reasons;
  const detail = {
    from,
    notice: target.noticeNumber,
    reason: target.reason,
    by: target.by,
    responseId: target.responseId,
    ...(fromResponse !== target.responseId ? { fromResponseId: fromResponse } : {}),
  };
  if (levelRank(target.level) > levelRank(from)) {
    alert.level = target.level;
    alert.epoch += 1;
    alert.raisedAt = ctx.now;
    alert.timeline.push({ at: ctx.now, type: 'raised', level: target.level, detail });
    notifyAtLevel(alert, ctx, fx);
    return fx;
  }
  const lowered = levelRank(target.level) < levelRank(from);
  alert.level = target.level;
  alert.timeline.push({ at: ctx.now, type: lowered ? 'lowered' : 'adjusted', level: target.level, detail });
  if (lowered) {
    // People the lower level no longer names keep nothing pending (their deadlines lapse).
    const still = new Set(recipientsAt(target.level, ctx).map((x) => x.person.id));
    for (const r of alert.recipients) {
      if (still.has(r.personId) || !r.mustAck) continue;
      r.mustAck = false;
      r.ackDeadline = r.ackedAt === null ? null : r.ackDeadline;
      r.arriveDeadline = r.arrivedAt === null ? null : r.arriveDeadline;
      for (const m of Object.values(alert.messages)) {
        if (m.status === 'pending' && (m.personId === r.personId || m.aboutPersonId === r.personId) && m.kind !== 'resolved') {
          m.status = 'cancelled';
          fx.cancelled.push(m.id);
        }
      }
    }
  }
  const tag = `${target.level}:${alert.timeline.length}`;
  for (const r of alert.recipients) {
    if (r.notifiedAt === null) continue;
    addMessage(
      alert,
      fx,
      ctx.now,
      { personId: r.personId, aboutPersonId: null, kind: lowered ? 'lowered' : 'adjusted', contactOffset: 0, withLink: false, deadline: null },
      tag,
    );
  }
  return fx;
}

/** The response ended for this township (终止, or narrowed away): everyone told is informed. */
export function endResponseCallout(alert: Alert, end: { noticeNumber: string; reason: string; by: string; responseId: string }, ctx: AlertContext): Effects {
  const fx = emptyEffects();
  if (alert.status !== 'open' || alert.responseId !== end.responseId) return fx;
  alert.declared = alert.declared ? { ...alert.declared, notice: end.noticeNumber, reason: end.reason, by: end.by, at: ctx.now } : null;
  return closeCallout(alert, end.by, end.reason, ctx, fx, 'ended', { notice: end.noticeNumber, responseId: end.responseId });
}
