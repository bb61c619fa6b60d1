import { levelRank, maxLevel, type Level, type MaybeLevel } from '../levels.js';
import type { TownshipReason } from '../township.js';
import type { DutyPolicy as Policy, RecipientRole } from '../policy.js';
import { addMessage, emptyEffects, newRecipient, type Alert, type AlertContext, type Declaration, type Effects, type Person } from './model.js';

/** Everyone told at a level, each person once (in the most demanding role they hold). */
export function recipientsAt(level: Level, ctx: AlertContext): Array<{ person: Person; role: RecipientRole; mustAck: boolean }> {
  const out = new Map<string, { person: Person; role: RecipientRole; mustAck: boolean }>();
  for (const role of ctx.policy.levels[level].notify) {
    const mustAck = ctx.policy.mustAck.includes(role);
    for (const person of ctx.whoIs(role)) {
      const seen = out.get(person.id);
      if (!seen || (mustAck && !seen.mustAck)) out.set(person.id, { person, role, mustAck });
    }
  }
  return [...out.values()];
}
/** Notifies everyone required at the alert's current level, with that level's deadlines. */
export function notifyAtLevel(alert: Alert, ctx: AlertContext, fx: Effects): void {
  const lp = ctx.policy.levels[alert.level];
  for (const { person, role, mustAck } of recipientsAt(alert.level, ctx)) {
    let r = alert.recipients.find((x) => x.personId === person.id);
    if (!r) {
      r = newRecipient(person, role, mustAck);
      alert.recipients.push(r);
    } else if (mustAck && !r.mustAck) {
      r.role = role;
      r.mustAck = true;
    }
    // Pending messages of an earlier level to this person are replaced by this one.
    for (const m of Object.values(alert.messages)) {
      if (m.status === 'pending' && m.personId === r.personId) {
        m.status = 'cancelled';
        fx.cancelled.push(m.id);
      }
    }
    r.notifiedAt = ctx.now;
    r.notifiedLevel = alert.level;
    r.epoch = alert.epoch;
    if (r.mustAck) {
      r.ackDeadline = ctx.now + lp.ackWithin;
      r.ackedAt = null;
      r.ackVia = null;
      r.onBehalfOf = null;
      r.ackNote = null;
      fx.timers.push({ alertId: alert.id, personId: r.personId, kind: 'ack', epoch: alert.epoch, step: 0, due: r.ackDeadline });
      // Someone already at the post is asked only to acknowledge the new level.
      if (r.arrivedAt === null && lp.arriveWithin !== null) {
        r.arriveDeadline = ctx.now + lp.arriveWithin;
        fx.timers.push({ alertId: alert.id, personId: r.personId, kind: 'arrive', epoch: alert.epoch, step: 0, due: r.arriveDeadline });
      }
    }
    addMessage(alert, fx, ctx.now, {
      personId: r.personId,
      aboutPersonId: null,
      kind: 'notify',
      contactOffset: 0,
      withLink: r.mustAck,
      deadline: r.mustAck ? r.ackDeadline : null,
    });
  }
}
/** A new alert: the township's level rose from none (by readings or by declaration). */
export function openAlert(
  id: string,
  townshipId: string,
  level: Level,
  reasons: TownshipReason[],
  ctx: AlertContext,
  declared: Declaration | null = null,
  computedLevel: MaybeLevel = declared ? null : level,
): { alert: Alert; effects: Effects } {
  const fx = emptyEffects();
  const alert: Alert = {
    id,
    townshipId,
    level,
    computedLevel,
    status: 'open',
    openedAt: ctx.now,
    raisedAt: ctx.now,
    updatedAt: ctx.now,
    epoch: 1,
    declared,
    reasons,
    lowering: null,
    resolvedAt: null,
    resolvedBy: null,
    resolveReason: null,
    recipients: [],
    messages: {},
    timeline: [{ at: ctx.now, type: 'opened', level, detail: declared ? { notice: declared.notice, reason: declared.reason, by: declared.by } : { reasons } }],
  };
  notifyAtLevel(alert, ctx, fx);
  return { alert, effects: fx };
}

/**
 * The readings now justify `computed` (with `reasons`). Raises in place at once; lowers
 * only after the readings stayed below for the clear period (never below a declared level).
 */
export function applyComputedLevel(alert: Alert, computed: MaybeLevel, reasons: TownshipReason[], ctx: AlertContext): Effects {
  const fx = emptyEffects();
  if (alert.status !== 'open') return fx;
  alert.computedLevel = computed;
  const target = maxLevel(computed, alert.declared?.level ?? null);
  if (levelRank(target) > levelRank(alert.level)) {
    raise(alert, target!, reasons, ctx, fx);
    return fx;
  }
  if (levelRank(computed) >= levelRank(alert.level)) {
    alert.reasons = reasons;
    alert.lowering = null;
    return fx;
  }
  // Below the alert level: wait for the clear period.
  if (!alert.lowering) {
    alert.lowering = { since: ctx.now };
    alert.updatedAt = ctx.now;
    return fx;
  }
  if (ctx.now - alert.lowering.since < ctx.policy.clearAfter) return fx;
  if (target === null) {
    if (ctx.policy.autoResolve) resolveAlert(alert, 'system', '雨情水情回落至响应标准以下，自动解除', ctx, fx);
    return fx;
  }
  if (levelRank(target) < levelRank(alert.level)) lower(alert, target, reasons, ctx, fx);
  return fx;
}

/** When the clear period of a pending lowering ends (for a timer), or null. */
export function loweringDue(alert: Alert, policy: Policy): number | null {
  return alert.status === 'open' && alert.lowering ? alert.lowering.since + policy.clearAfter : null;
}

function raise(alert: Alert, level: Level, reasons: TownshipReason[], ctx: AlertContext, fx: Effects): void {
  const from = alert.level;
  alert.level = level;
  alert.reasons = reasons;
  alert.epoch += 1;
  alert.raisedAt = ctx.now;
  alert.updatedAt = ctx.now;
  alert.lowering = null;
  alert.timeline.push({
    at: ctx.now,
    type: 'raised',
    level,
    detail: { from, reasons, notice: alert.declared?.level === level ? alert.declared.notice : undefined },
  });
  notifyAtLevel(alert, ctx, fx);
}

function lower(alert: Alert, level: Level, reasons: TownshipReason[], ctx: AlertContext, fx: Effects): void {
  const from = alert.level;
  alert.level = level;
  alert.reasons = reasons;
  alert.lowering = null;
  alert.updatedAt = ctx.now;
  alert.timeline.push({ at: ctx.now, type: 'lowered', level, detail: { from } });
  // Those who acknowledged are told; no new deadlines start.
  for (const r of alert.recipients) {
    if (r.ackedAt === null) continue;
    addMessage(
      alert,
      fx,
      ctx.now,
      { personId: r.personId, aboutPersonId: null, kind: 'lowered', contactOffset: 0, withLink: false, deadline: null },
      `${level}`,
    );
  }
}

/** The HQ declares a level by hand (with its notice number). Opens or raises like readings would. */
export function declareLevel(alert: Alert, d: Declaration, ctx: AlertContext): Effects {
  const fx = emptyEffects();
  alert.declared = d;
  alert.updatedAt = ctx.now;
  if (levelRank(d.level) > levelRank(alert.level)) {
    raise(alert, d.level, alert.reasons, ctx, fx);
  } else {
    alert.timeline.push({ at: ctx.now, type: 'declared', level: d.level, detail: { notice: d.notice, reason: d.reason, by: d.by } });
  }
  return fx;
}

/** A duty officer or admin ends the alert (解除) with a reason. */
export function resolveAlert(alert: Alert, by: string, reason: string, ctx: AlertContext, fx: Effects = emptyEffects()): Effects {
  return closeCallout(alert, by, reason, ctx, fx, 'resolved');
}

/** Ends a call-out: pending messages cancelled, everyone told was told it ended. */
export function closeCallout(
  alert: Alert,
  by: string,
  reason: string,
  ctx: AlertContext,
  fx: Effects,
  type: string,
  detail: Record<string, unknown> = {},
): Effects {
  if (alert.status !== 'open') return fx;
  alert.status = 'resolved';
  alert.resolvedAt = ctx.now;
  alert.resolvedBy = by;
  alert.resolveReason = reason;
  alert.updatedAt = ctx.now;
  alert.lowering = null;
  alert.timeline.push({ at: ctx.now, type, detail: { by, reason, ...detail } });
  for (const m of Object.values(alert.messages)) {
    if (m.status === 'pending') {
      m.status = 'cancelled';
      fx.cancelled.push(m.id);
    }
  }
  for (const r of alert.recipients) {
    if (r.notifiedAt === null) continue;
    addMessage(alert, fx, ctx.now, { personId: r.personId, aboutPersonId: null, kind: 'resolved', contactOffset: 0, withLink: false, deadline: null });
  }
  return fx;
}
