import { levelRank, maxLevel, type Level, type MaybeLevel } from './levels.js';
import type { TownshipReason } from './township.js';
import type { EscalationStep, Policy, RecipientRole } from '../config/policy.js';
import type { ReceiptOutcome } from './receipts.js';

/**
 * The alert of one township, as a pure state machine. Every transition takes the alert and
 * a context (time, policy, who holds each role) and returns the new alert with its effects:
 * messages to send, timers to set, ledger entries. The adapters store the alert atomically
 * and carry out the effects; nothing here does I/O.
 */
export type AlertStatus = 'open' | 'resolved';
export type MessageKind = 'notify' | 'renotify' | 'reminder' | 'escalate' | 'lowered' | 'adjusted' | 'resolved';
/**
 * What a township call-out is: a warning (预警, computed from readings; advice to the HQ) or the
 * township's part of an HQ response (应急响应, declared by notice; see domain/responses).
 */
export type CalloutKind = 'warning' | 'response';
export type DeadlineKind = 'ack' | 'arrive';

export interface Delivery {
  messageId: string;
  channel: string;
  /** Masked address (never a full phone number). */
  to: string;
  /** skipped: a call not placed (per-number limit); `error` says why. */
  status: 'sent' | 'failed' | 'retrying' | 'cancelled' | 'no-contact' | 'skipped';
  at: number;
  attempt: number;
  provider?: string;
  error?: string;
  /** Which rung of the person's contact ladder (receipts name it). */
  contactStep?: number;
  /** The provider's id of the message (BizId, CallId): receipts quote it. */
  providerMessageId?: string;
  /** The provider's receipt (src/domain/receipts.ts), in Chinese for the board. */
  receipt?: { outcome: ReceiptOutcome; text: string; at: number; provider: string };
}

export interface EscalationRecord {
  kind: DeadlineKind;
  epoch: number;
  step: number;
  action: EscalationStep;
  at: number;
  /** People told in this step. */
  notified: string[];
}

export interface Recipient {
  personId: string;
  name: string;
  role: RecipientRole;
  mustAck: boolean;
  notifiedAt: number | null;
  notifiedLevel: MaybeLevel;
  /** Raise number the current deadlines belong to. */
  epoch: number;
  deliveries: Delivery[];
  ackDeadline: number | null;
  ackedAt: number | null;
  ackVia: string | null;
  /** Who acknowledged on this person's behalf (a duty officer), if not the person. */
  onBehalfOf: string | null;
  ackNote: string | null;
  arriveDeadline: number | null;
  arrivedAt: number | null;
  distanceM: number | null;
  farFromPost: boolean | null;
  escalations: EscalationRecord[];
}

export interface AlertMessage {
  id: string;
  personId: string;
  /** The person this message is about (escalations); an ack by them cancels it. */
  aboutPersonId: string | null;
  kind: MessageKind;
  level: MaybeLevel;
  epoch: number;
  /** Which of the person's contacts to start with (re-notify moves on to the next). */
  contactOffset: number;
  /** Carries a personal ack link. */
  withLink: boolean;
  deadline: number | null;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  createdAt: number;
  /** Escalation rung `call`: a phone call first (src/domain/calls.ts). */
  call?: boolean;
}

export interface Declaration {
  level: Level;
  notice: string;
  reason: string;
  by: string;
  at: number;
}

export interface TimelineEntry {
  at: number;
  type: string;
  level?: MaybeLevel;
  personId?: string;
  detail?: Record<string, unknown>;
}

export interface Alert {
  id: string;
  /** Absent on alerts stored before responses existed: a warning. */
  kind?: CalloutKind;
  /** The HQ response this township call-out belongs to (kind `response`). */
  responseId?: string | null;
  townshipId: string;
  level: Level;
  /** What the readings justify now (the declared level is a floor above it). */
  computedLevel: MaybeLevel;
  status: AlertStatus;
  openedAt: number;
  raisedAt: number;
  updatedAt: number;
  epoch: number;
  declared: Declaration | null;
  reasons: TownshipReason[];
  /** Readings have stayed below the alert level since `since` (for the clear period). */
  lowering: { since: number } | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolveReason: string | null;
  recipients: Recipient[];
  messages: Record<string, AlertMessage>;
  timeline: TimelineEntry[];
}

export interface LedgerEntry {
  type: 'ack-missed' | 'ack-late' | 'ack' | 'arrive-missed' | 'arrive-late' | 'arrive';
  alertId: string;
  /** Warning or response call-out (absent on entries written before responses: warning). */
  kind?: CalloutKind;
  responseId?: string | null;
  townshipId: string;
  personId: string;
  role: RecipientRole;
  level: MaybeLevel;
  notifiedAt: number | null;
  deadline: number | null;
  actual: number | null;
  at: number;
  /** For answers: how (link, voice keypress, sms-reply, arrival, duty officer…). */
  ackVia?: string;
}

export interface Timer {
  alertId: string;
  personId: string;
  kind: DeadlineKind;
  epoch: number;
  step: number;
  due: number;
}

export interface Effects {
  messages: AlertMessage[];
  timers: Timer[];
  ledger: LedgerEntry[];
  /** Messages no longer to be sent (an ack, a resolve). */
  cancelled: string[];
}

export interface Person {
  id: string;
  name: string;
}

export interface AlertContext {
  now: number;
  policy: Policy;
  /** The people holding a role for the township at `now`. */
  whoIs(role: RecipientRole): Person[];
}

export const emptyEffects = (): Effects => ({ messages: [], timers: [], ledger: [], cancelled: [] });

export function messageId(alertId: string, personId: string, kind: MessageKind, epoch: number, extra = ''): string {
  return `${alertId}:${personId}:${kind}:${epoch}${extra ? `:${extra}` : ''}`;
}

function newRecipient(p: Person, role: RecipientRole, mustAck: boolean): Recipient {
  return {
    personId: p.id,
    name: p.name,
    role,
    mustAck,
    notifiedAt: null,
    notifiedLevel: null,
    epoch: 0,
    deliveries: [],
    ackDeadline: null,
    ackedAt: null,
    ackVia: null,
    onBehalfOf: null,
    ackNote: null,
    arriveDeadline: null,
    arrivedAt: null,
    distanceM: null,
    farFromPost: null,
    escalations: [],
  };
}

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

/** When each step of the escalation chain of a deadline is due. */
export function escalationDue(deadline: number, step: number, level: Level, policy: Policy): number {
  return deadline + step * policy.levels[level].ackWithin;
}

export function chainLength(policy: Policy): number {
  return policy.escalation.length * policy.repeatEscalation;
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

export function addMessage(
  alert: Alert,
  fx: Effects,
  now: number,
  m: Pick<AlertMessage, 'personId' | 'aboutPersonId' | 'kind' | 'contactOffset' | 'withLink' | 'deadline' | 'call'>,
  extra = '',
): void {
  const id = messageId(alert.id, m.personId, m.kind, alert.epoch, extra);
  if (alert.messages[id]) return;
  const msg: AlertMessage = { ...m, id, level: alert.level, epoch: alert.epoch, status: 'pending', createdAt: now };
  alert.messages[id] = msg;
  fx.messages.push(msg);
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
  alert.timeline.push({ at: ctx.now, type: 'raised', level, detail: { from, reasons, notice: alert.declared?.level === level ? alert.declared.notice : undefined } });
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
    addMessage(alert, fx, ctx.now, { personId: r.personId, aboutPersonId: null, kind: 'lowered', contactOffset: 0, withLink: false, deadline: null }, `${level}`);
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
    fx.ledger.push({ ...ledger(alert, r, late ? 'ack-late' : 'ack', r.ackDeadline, ctx.now, ctx.now), ackVia: via });
  }
  return { outcome: 'acked', effects: fx };
}

/** Haversine distance in metres. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 6_371_000 * Math.asin(Math.sqrt(h)));
}

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
    fx.ledger.push(ledger(alert, r, late ? 'arrive-late' : 'arrive', r.arriveDeadline, ctx.now, ctx.now));
  }
  return { outcome: 'arrived', effects: fx };
}

function ledger(alert: Alert, r: Recipient, type: LedgerEntry['type'], deadline: number | null, actual: number | null, at: number): LedgerEntry {
  return { type, alertId: alert.id, kind: alert.kind ?? 'warning', responseId: alert.responseId ?? null, townshipId: alert.townshipId, personId: r.personId, role: r.role, level: alert.level, notifiedAt: r.notifiedAt, deadline, actual, at };
}

/**
 * A deadline timer fired. Runs the escalation step when it still applies: the alert is
 * open, the timer belongs to the person's current deadlines, they have not answered (or
 * arrived), and the step has not run before. Returns no effects otherwise.
 */
export function runEscalation(alert: Alert, timer: Pick<Timer, 'personId' | 'kind' | 'epoch' | 'step'>, ctx: AlertContext, early: { by: string } | null = null): { ran: boolean; effects: Effects } {
  const fx = emptyEffects();
  const none = { ran: false, effects: fx };
  if (alert.status !== 'open') return none;
  const r = alert.recipients.find((x) => x.personId === timer.personId);
  if (!r || !r.mustAck || r.epoch !== timer.epoch) return none;
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
  // A miss is booked only once the deadline has passed (the duty room may escalate before it).
  if (timer.step === 0 && ctx.now >= deadline) fx.ledger.push(ledger(alert, r, timer.kind === 'ack' ? 'ack-missed' : 'arrive-missed', deadline, null, ctx.now));
  if (action === 'renotify' || action === 'call') {
    // A `call` rung rings the person's phone first, then their other contacts. The missed
    // deadline is past: the message gives the time the next step runs.
    const call = action === 'call' ? { call: true, contactOffset: 0 } : { contactOffset: round + 1 };
    const renewed = escalationDue(deadline, timer.step + 1, alert.level, ctx.policy);
    addMessage(alert, fx, ctx.now, { personId: r.personId, aboutPersonId: null, kind: timer.kind === 'ack' ? 'renotify' : 'reminder', withLink: true, deadline: renewed, ...call }, tag);
    record.notified.push(r.personId);
  } else {
    for (const p of ctx.whoIs(action)) {
      if (p.id === r.personId) continue;
      addMessage(alert, fx, ctx.now, { personId: p.id, aboutPersonId: r.personId, kind: 'escalate', contactOffset: 0, withLink: false, deadline }, `${r.personId}:${tag}`);
      record.notified.push(p.id);
    }
  }
  r.escalations.push(record);
  alert.updatedAt = ctx.now;
  alert.timeline.push({ at: ctx.now, type: timer.kind === 'ack' ? 'ack-overdue' : 'arrival-overdue', personId: r.personId, detail: { step: timer.step, action, notified: record.notified, ...(early ? { early: true, by: early.by } : {}) } });
  if (timer.step + 1 < total) {
    fx.timers.push({ alertId: alert.id, personId: r.personId, kind: timer.kind, epoch: timer.epoch, step: timer.step + 1, due: escalationDue(deadline, timer.step + 1, alert.level, ctx.policy) });
  }
  return { ran: true, effects: fx };
}

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

/** A duty officer or admin ends the alert (解除) with a reason. */
export function resolveAlert(alert: Alert, by: string, reason: string, ctx: AlertContext, fx: Effects = emptyEffects()): Effects {
  return closeCallout(alert, by, reason, ctx, fx, 'resolved');
}

/** Ends a call-out: pending messages cancelled, everyone told was told it ended. */
export function closeCallout(alert: Alert, by: string, reason: string, ctx: AlertContext, fx: Effects, type: string, detail: Record<string, unknown> = {}): Effects {
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
