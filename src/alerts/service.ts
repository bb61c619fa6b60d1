import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { ReferenceSnapshot, ReferenceStore } from '../reference/store.js';
import type { Keys } from '../store/keys.js';
import type { ScriptedRedis } from '../store/scripts.js';
import type { Channel } from '../channels/types.js';
import type { RecipientRole } from '../config/policy.js';
import type { StoredTownshipState } from '../evaluation/engine.js';
import { levelRank, type Level, type MaybeLevel } from '../domain/levels.js';
import { policyFor, quietSpellSince } from '../domain/warnings.js';
import { streamFields } from '../store/streams.js';
import {
  acknowledge,
  applyComputedLevel,
  arrive,
  loweringDue,
  openAlert,
  pendingTimers,
  resolveAlert,
  runEscalation,
  groupTimers,
  type TimerGroup,
  type Alert,
  type CalloutKind,
  type AlertContext,
  type AlertMessage,
  type Delivery,
  type Effects,
  type Person,
} from '../domain/alerts.js';
import { AlertStore } from './store.js';
import { townshipWarning } from '../store/townshipWarning.js';
import type { AnswerLinks } from './shortLinks.js';
import { renderMessage } from './render.js';
import { ContactSender } from '../channels/deliver.js';
import { callUnavailable, contactLadder } from '../domain/calls.js';
import { holdersOf } from '../domain/roster.js';
import { AppError } from '../domain/errors.js';

/**
 * (Alert work reads the reference data fresh, one GET of its version per step: it is low
 * volume, and a person or shift changed a moment ago in another process must count.)
 *
 * The alert adapter: reads what the domain needs (township levels, who holds each role),
 * applies the pure transitions under an optimistic lock, and hands the effects to the
 * scheduler (BullMQ). Every effect can be rebuilt from the stored alert by `sweep`, so a
 * crash between the commit and the scheduling delays a step by at most one sweep, and
 * never runs it twice: each step is marked on the alert in the same commit that runs it.
 */
export interface AlertScheduler {
  deliver(alertId: string, message: AlertMessage, contactStep?: number): Promise<void>;
  timers(group: TimerGroup): Promise<void>;
  /** Re-checks a township at `at` (the end of a clear period). */
  reconcileAt(townshipId: string, at: number, key: string): Promise<void>;
}

export interface AlertServiceDeps {
  redis: ScriptedRedis;
  keys: Keys;
  config: AppConfig;
  reference: ReferenceStore;
  channels: Map<string, Channel>;
  links: AnswerLinks;
  scheduler: AlertScheduler;
  now: () => number;
  log: Logger;
}

/** What an alert refuses: unknown, already resolved, not this person's, changing too fast, or a response's call-out. */
export class AlertError extends AppError<'not_found' | 'alert_not_open' | 'not_recipient' | 'conflict' | 'response_callout'> {}

const EFFECTS_NONE: Effects = { messages: [], timers: [], ledger: [], cancelled: [] };

export function maskAddress(channel: string, to: string): string {
  if (channel === 'sms' || /^\+?\d{7,}$/.test(to)) return to.length > 7 ? `${to.slice(0, to.length - 8)}****${to.slice(-4)}` : '****';
  if (channel === 'email') return to.replace(/^(.).*(@.*)$/, '$1***$2');
  try {
    const u = new URL(to);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return to.length > 6 ? `${to.slice(0, 3)}…${to.slice(-2)}` : '…';
  }
}

export class AlertService {
  readonly store: AlertStore;

  /** Puts one rung of the contact ladder on the wire (receipt ids, call limits). */
  readonly sender: ContactSender;

  constructor(private readonly d: AlertServiceDeps) {
    this.store = new AlertStore(d.redis, d.keys);
    this.sender = new ContactSender(d.redis, d.keys, d.channels, () => this.policy.calls, d.now);
  }

  private get policy() {
    return this.d.config.policy;
  }

  /** Who holds each role for a township at `now`, from the reference data; the policy of the call-out's kind. */
  context(ref: ReferenceSnapshot, townshipId: string, now = this.d.now(), kind: CalloutKind = 'warning'): AlertContext {
    const date = localDate(now, this.d.config.levels.timezone);
    const person = (id: string): Person => ({ id, name: ref.people.get(id)?.name ?? id });
    const whoIs = (role: RecipientRole): Person[] => holdersOf(ref, townshipId, role, now, date).map(person);
    return { now, policy: policyFor(kind, this.policy), whoIs };
  }

  /** Evaluation's hand-off: townships whose warning level changed get their warning opened, raised, lowered or resolved now. */
  async onLevelChanges(townshipIds: readonly string[]): Promise<void> {
    for (const tid of townshipIds) await this.reconcile(tid);
  }

  /**
   * Reads the alert, applies `fn`, commits if nobody changed it meanwhile (else retries
   * from a fresh read), then schedules the effects.
   */
  async update<T>(alertId: string, fn: (alert: Alert, ctx: AlertContext) => { result: T; effects: Effects; changed: boolean }): Promise<{ alert: Alert; result: T }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const stored = await this.store.get(alertId);
      if (!stored) throw new AlertError('not_found', `No alert with id "${alertId}"`);
      const ref = await this.d.reference.snapshot({ fresh: true });
      const ctx = this.context(ref, stored.alert.townshipId, this.d.now(), stored.alert.kind);
      const { result, effects, changed } = fn(stored.alert, ctx);
      if (!changed) return { alert: stored.alert, result };
      const outcome = await this.store.commit(stored.alert, stored.version, effects.ledger);
      if (outcome === 'ok') {
        await this.schedule(stored.alert, effects);
        return { alert: stored.alert, result };
      }
    }
    throw new AlertError('conflict', `Alert ${alertId} is changing too fast; try again`);
  }

  /** Hands a committed call-out's effects to the scheduler (messages, timers, the end of a clear period). */
  async schedule(alert: Alert, fx: Effects): Promise<void> {
    const jobs: Array<Promise<void>> = [];
    for (const m of fx.messages) jobs.push(this.d.scheduler.deliver(alert.id, m));
    for (const g of groupTimers(fx.timers)) jobs.push(this.d.scheduler.timers(g));
    const due = loweringDue(alert, this.policy);
    if (due !== null && alert.lowering) jobs.push(this.d.scheduler.reconcileAt(alert.townshipId, due, `${alert.id}:${alert.lowering.since}`));
    const results = await Promise.allSettled(jobs);
    for (const r of results) {
      // The alert is committed; the sweep rebuilds what could not be scheduled.
      if (r.status === 'rejected') this.d.log.warn({ err: r.reason, alertId: alert.id }, 'alert effect not scheduled; the sweep will retry');
    }
  }

  /**
   * The township's warning level and its evidence: the stored evaluation (gauges) with the
   * outside warnings in force (POST /v1/warnings) folded in; an expired one no longer counts.
   */
  async townshipState(townshipId: string): Promise<StoredTownshipState | null> {
    const [stateJson, outside] = await Promise.all([this.d.redis.hget(this.d.keys.township(townshipId), 'state'), this.d.redis.hgetall(this.d.keys.outsideWarnings(townshipId))]);
    return townshipWarning(stateJson, outside, this.d.now());
  }

  /**
   * Brings a township's warning in line with the level its readings justify now. A warning the
   * duty room resolved is not reopened at the same or a lower level while the same rain is in
   * the windows: only a rise above it, or a new storm after `clearAfter` at none, opens one.
   */
  async reconcile(townshipId: string): Promise<Alert | null> {
    const state = await this.townshipState(townshipId);
    const level = state?.level ?? null;
    const reasons = state?.reasons ?? [];
    const openId = await this.store.openAlertId(townshipId);
    if (openId) return this.transition(openId, (alert, ctx) => applyComputedLevel(alert, level, reasons, ctx));
    if (level === null) return null;
    if (await this.heldBack(townshipId, level)) return null;
    return this.openCallout(townshipId, 'warning', (id, ctx) => openAlert(id, townshipId, level, reasons, ctx), (a, ctx) => applyComputedLevel(a, level, reasons, ctx));
  }

  /** True when the last warning was resolved at `level` or above and no quiet spell has passed since. */
  private async heldBack(townshipId: string, level: Level): Promise<boolean> {
    const [lastId] = await this.store.list([townshipId], 1);
    const last = lastId ? (await this.store.get(lastId))?.alert : null;
    if (!last || last.status !== 'resolved' || last.resolvedAt === null || last.resolvedBy === 'system') return false;
    if (levelRank(level) > levelRank(last.level)) return false;
    const events = (await this.d.redis.xrevrange(this.d.keys.townshipEvents(townshipId), '+', '-', 'COUNT', 500)).reverse();
    return !quietSpellSince(
      events.map(([, f]) => streamFields(f)).map((f) => ({ at: Number(f.at), to: (f.to || null) as MaybeLevel })),
      last.resolvedAt,
      this.policy.clearAfter,
    );
  }

  /**
   * Opens a call-out for a township (a warning, or a township's part of a response). When
   * another worker opened one first, `onExisting` is applied to that one instead.
   */
  async openCallout(
    townshipId: string,
    kind: CalloutKind,
    build: (id: string, ctx: AlertContext) => { alert: Alert; effects: Effects },
    onExisting: (alert: Alert, ctx: AlertContext) => Effects,
  ): Promise<Alert> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    if (!ref.townships.has(townshipId)) throw new AlertError('not_found', `No township with id "${townshipId}"`);
    const id = await this.store.newAlertId(townshipId, kind);
    const { alert, effects } = build(id, this.context(ref, townshipId, this.d.now(), kind));
    const outcome = await this.store.commit(alert, null, effects.ledger);
    if (outcome === 'ok') {
      this.d.log.info({ alertId: id, townshipId, level: alert.level, kind, responseId: alert.responseId }, kind === 'warning' ? 'warning opened' : 'response call-out opened');
      await this.schedule(alert, effects);
      return alert;
    }
    const openId = await this.store.openAlertId(townshipId, kind);
    if (!openId) throw new AlertError('conflict', `Could not open a call-out for township ${townshipId}; try again`);
    return this.transition(openId, onExisting);
  }

  /** Applies a pure transition to a stored call-out and commits it when it changed anything. */
  async transition(alertId: string, fn: (alert: Alert, ctx: AlertContext) => Effects): Promise<Alert> {
    const { alert } = await this.update(alertId, (a, ctx) => {
      const before = JSON.stringify(a);
      const effects = fn(a, ctx);
      return { result: null, effects, changed: JSON.stringify(a) !== before };
    });
    return alert;
  }

  async acknowledge(alertId: string, personId: string, via: string, opts: { by?: string; note?: string } = {}) {
    const { alert, result } = await this.update(alertId, (alert, ctx) => {
      const r = acknowledge(alert, personId, via, ctx, opts);
      return { result: r.outcome, effects: r.effects, changed: r.outcome === 'acked' };
    });
    if (result === 'not-open') throw new AlertError('alert_not_open', `Alert ${alertId} is resolved; nothing to acknowledge`);
    if (result === 'not-recipient') throw new AlertError('not_recipient', `Person ${personId} was not notified by alert ${alertId}`);
    return { alert, outcome: result };
  }

  async arrive(alertId: string, personId: string, where: { lat: number; lon: number } | null) {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const { alert, result } = await this.update(alertId, (alert, ctx) => {
      const post = ref.townships.get(alert.townshipId)?.commandPost ?? null;
      const r = arrive(alert, personId, ctx, where, post ? { lat: post.lat, lon: post.lon } : null);
      return { result: r.outcome, effects: r.effects, changed: r.outcome === 'arrived' };
    });
    if (result === 'not-open') throw new AlertError('alert_not_open', `Alert ${alertId} is resolved`);
    if (result === 'not-recipient') throw new AlertError('not_recipient', `Person ${personId} was not notified by alert ${alertId}`);
    return { alert, outcome: result };
  }

  async resolve(alertId: string, by: string, reason: string): Promise<Alert> {
    const stored = await this.store.get(alertId);
    if (stored?.alert.kind === 'response') {
      throw new AlertError('response_callout', `${alertId} is a township's part of HQ response ${stored.alert.responseId}: end or narrow the response by notice (POST /v1/responses/${stored.alert.responseId}/end or /adjust)`);
    }
    const { alert, result } = await this.update(alertId, (alert, ctx) => {
      if (alert.status !== 'open') return { result: false, effects: EFFECTS_NONE, changed: false };
      return { result: true, effects: resolveAlert(alert, by, reason, ctx), changed: true };
    });
    if (!result) throw new AlertError('alert_not_open', `Alert ${alertId} is already resolved`);
    this.d.log.info({ alertId, by }, 'alert resolved');
    return alert;
  }

  /** Deadline timers fired: run each person's escalation step if it still applies, in one commit. */
  async onTimers(g: Pick<TimerGroup, 'alertId' | 'kind' | 'epoch' | 'step' | 'personIds'>): Promise<number> {
    try {
      const { result } = await this.update(g.alertId, (alert, ctx) => {
        const effects: Effects = { messages: [], timers: [], ledger: [], cancelled: [] };
        let ran = 0;
        for (const personId of g.personIds) {
          const r = runEscalation(alert, { personId, kind: g.kind, epoch: g.epoch, step: g.step }, ctx);
          if (!r.ran) continue;
          ran++;
          effects.messages.push(...r.effects.messages);
          effects.timers.push(...r.effects.timers);
          effects.ledger.push(...r.effects.ledger);
          effects.cancelled.push(...r.effects.cancelled);
        }
        return { result: ran, effects, changed: ran > 0 };
      });
      if (result) this.d.log.info({ alertId: g.alertId, kind: g.kind, step: g.step, people: result }, 'escalation step ran');
      return result;
    } catch (err) {
      if (err instanceof AlertError && err.code === 'not_found') return 0;
      throw err;
    }
  }

  /**
   * Sends one message on one of the person's contacts. Returns 'retry' when the attempt
   * failed and may be retried on the same contact, 'next' when the caller should move on
   * to the next contact, or 'done'.
   */
  async deliver(alertId: string, messageId: string, contactStep: number, attempt: number, lastAttempt: boolean): Promise<'done' | 'retry' | 'next'> {
    const stored = await this.store.get(alertId);
    if (!stored) return 'done';
    const { alert } = stored;
    const message = alert.messages[messageId];
    if (!message || message.status !== 'pending') return 'done';
    const ref = await this.d.reference.snapshot({ fresh: true });
    const person = ref.people.get(message.personId);
    const usable = (ch: string) => this.d.channels.has(ch);
    const contacts = contactLadder(person?.contacts ?? [], usable, message, this.policy.calls);
    const noCall = contactStep === 0 && attempt === 1 ? callUnavailable(person?.contacts ?? [], usable, message, this.policy.calls) : null;
    if (noCall) await this.recordDelivery(alertId, messageId, { channel: 'voice', to: '', attempt, contactStep, status: 'skipped', error: noCall }, null);
    if (contactStep >= contacts.length) {
      await this.recordDelivery(alertId, messageId, { channel: 'none', to: '', status: 'no-contact', error: contacts.length === 0 ? 'no usable contact for this person' : 'every contact failed', attempt }, 'failed');
      return 'done';
    }
    const contact = contacts[contactStep]!;
    const mobile = person?.contacts.find((c) => c.channel === 'sms')?.to ?? null;
    const ackUrl = message.withLink
      ? `${this.policy.publicUrl.replace(/\/$/, '')}/a/${await this.d.links.issue({ alertId, personId: message.personId, expiresAt: this.d.now() + this.policy.linkTtl })}`
      : null;
    const township = ref.townships.get(alert.townshipId);
    const outbound = renderMessage({
      alert,
      message,
      person: { id: message.personId, name: person?.name ?? message.personId, mobile },
      townshipName: township?.name ?? alert.townshipId,
      stationName: (id) => ref.stations.get(id)?.name ?? id,
      ackUrl,
      timeZone: this.d.config.levels.timezone,
      sender: this.policy.sender,
      about: message.aboutPersonId ? alert.recipients.find((r) => r.personId === message.aboutPersonId) ?? null : null,
      channel: contact.channel,
    });
    const result = await this.sender.send(contact, outbound, { alertId, messageId, contactStep, personId: message.personId }, attempt, AbortSignal.timeout(30_000));
    if ('skipped' in result) {
      await this.recordDelivery(alertId, messageId, { channel: contact.channel, to: maskAddress(contact.channel, contact.to), attempt, contactStep, status: 'skipped', error: result.skipped }, null);
      return 'next';
    }
    const base = { channel: contact.channel, to: maskAddress(contact.channel, contact.to), attempt, contactStep, provider: result.provider };
    if (result.ok) {
      await this.recordDelivery(alertId, messageId, { ...base, status: 'sent', ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}) }, 'sent');
      return 'done';
    }
    const error = result.tried && result.tried.length > 1 ? result.tried.map((t) => `${t.provider}: ${t.ok ? 'ok' : t.error}`).join('; ') : result.error;
    const willRetry = result.retryable && !lastAttempt;
    await this.recordDelivery(alertId, messageId, { ...base, status: willRetry ? 'retrying' : 'failed', error: error ?? 'failed' }, null);
    return willRetry ? 'retry' : 'next';
  }

  private async recordDelivery(alertId: string, messageId: string, d: Omit<Delivery, 'messageId' | 'at'>, final: 'sent' | 'failed' | null): Promise<void> {
    await this.d.redis.hincrby(this.d.keys.messageCounts(), `${d.channel}|${d.status}`, 1);
    await this.update(alertId, (alert, ctx) => {
      const m = alert.messages[messageId];
      const r = m ? alert.recipients.find((x) => x.personId === m.personId) : undefined;
      const delivery: Delivery = { ...d, messageId, at: ctx.now };
      if (r) {
        r.deliveries.push(delivery);
        if (r.deliveries.length > 50) r.deliveries.splice(0, r.deliveries.length - 50);
      }
      if (m && final && m.status === 'pending') m.status = final;
      if (final === 'failed' || d.status === 'failed' || d.status === 'skipped') {
        alert.timeline.push({ at: ctx.now, type: d.status === 'skipped' ? 'call-not-placed' : 'delivery-failed', personId: m?.personId, detail: { messageId, channel: d.channel, error: d.error } });
      }
      return { result: null, effects: EFFECTS_NONE, changed: true };
    });
  }

  /** Rebuilds lost timers and undelivered messages from the stored alerts; re-checks every township. */
  async sweep(): Promise<{ townships: number; timers: number; messages: number }> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const townshipIds = [...ref.townships.keys()];
    let timers = 0;
    let messages = 0;
    for (const tid of townshipIds) {
      try {
        await this.reconcile(tid);
      } catch (err) {
        this.d.log.error({ err, townshipId: tid }, 'alert reconcile failed');
      }
    }
    const open = [...(await this.store.openAlertIds(townshipIds)).values(), ...(await this.store.openAlertIds(townshipIds, 'response')).values()];
    for (const alert of await this.store.getMany(open)) {
      for (const g of groupTimers(pendingTimers(alert, this.policy))) {
        await this.d.scheduler.timers(g);
        timers += g.personIds.length;
      }
      for (const m of Object.values(alert.messages)) {
        if (m.status !== 'pending') continue;
        await this.d.scheduler.deliver(alert.id, m);
        messages++;
      }
    }
    return { townships: townshipIds.length, timers, messages };
  }
}

function localDate(t: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t));
}
