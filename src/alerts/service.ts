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
  type Recipient,
} from '../domain/alerts/index.js';
import { AlertStore } from './store.js';
import { townshipWarning } from '../store/townshipWarning.js';
import type { AnswerLinks } from './shortLinks.js';
import { renderMessage } from './render.js';
import { BundleSender } from './bundleSender.js';
import { PersonPrefsStore } from '../store/personPrefs.js';
import { boardOnlySkips } from '../domain/calls.js';
import { ContactSender, deliverRung } from '../channels/deliver.js';
import { callUnavailable, contactLadder } from '../domain/calls.js';
import { holdersOf } from '../domain/roster.js';
import { AppError } from '../domain/errors.js';
import { escalateNow, type NextStep } from '../domain/alerts/index.js';
import { auditArgs } from '../store/audit.js';

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
  /** Flushes a person's held SMS at `at` (`repair`: the sweep's second wake-up of a bundle past due). */
  flushBundle(personId: string, at: number, repair?: boolean): Promise<void>;
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
  /** Tells the duty room about an arrival that is far, without a location, or at several posts. */
  onDoubtfulArrival?: (alert: Alert, recipient: Recipient) => Promise<void>;
}

/** What an alert refuses: unknown, already resolved, not this person's, changing too fast, a response's call-out, no step left. */
export class AlertError extends AppError<'not_found' | 'alert_not_open' | 'not_recipient' | 'conflict' | 'response_callout' | 'nothing_to_escalate'> {}

const EFFECTS_NONE: Effects = { messages: [], timers: [], ledger: [], cancelled: [] };

export class AlertService {
  readonly store: AlertStore;

  /** Puts one rung of the contact ladder on the wire (receipt ids, call limits). */
  readonly sender: ContactSender;

  /** SMS to one person within `policy.delivery.bundleWithin`, sent as one. */
  readonly bundle: BundleSender;

  /** Each person's delivery preferences (smsOptOut: board only). */
  readonly prefs: PersonPrefsStore;

  constructor(private readonly d: AlertServiceDeps) {
    this.store = new AlertStore(d.redis, d.keys);
    this.sender = new ContactSender(d.redis, d.keys, d.channels, () => this.policy.calls, d.now);
    this.prefs = new PersonPrefsStore(d.redis, d.keys);
    this.bundle = new BundleSender({
      alerts: this,
      redis: d.redis,
      keys: d.keys,
      config: d.config,
      reference: d.reference,
      scheduler: d.scheduler,
      now: d.now,
      log: d.log,
    });
  }

  private get policy() {
    return this.d.config.policy;
  }

  /** SMS to one person within this long go as one (0: off). */
  get bundleWithin(): number {
    return this.policy.delivery.bundleWithin;
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
  async update<T>(
    alertId: string,
    fn: (alert: Alert, ctx: AlertContext) => { result: T; effects: Effects; changed: boolean },
  ): Promise<{ alert: Alert; result: T }> {
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
    const [stateJson, outside] = await Promise.all([
      this.d.redis.hget(this.d.keys.township(townshipId), 'state'),
      this.d.redis.hgetall(this.d.keys.outsideWarnings(townshipId)),
    ]);
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
    return this.openCallout(
      townshipId,
      'warning',
      (id, ctx) => openAlert(id, townshipId, level, reasons, ctx),
      (a, ctx) => applyComputedLevel(a, level, reasons, ctx),
    );
  }

  /** True when the last warning was resolved at `level` or above and no quiet spell has passed since. */
  private async heldBack(townshipId: string, level: Level): Promise<boolean> {
    const [lastId] = await this.store.list([townshipId], 1);
    const last = lastId ? (await this.store.get(lastId))?.alert : null;
    if (last?.status !== 'resolved' || last.resolvedAt === null || last.resolvedBy === 'system') return false;
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
      this.d.log.info(
        { alertId: id, townshipId, level: alert.level, kind, responseId: alert.responseId },
        kind === 'warning' ? 'warning opened' : 'response call-out opened',
      );
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

  /**
   * A person reports arrival. A doubtful one (far from the post, no location, other posts
   * minutes apart) is flagged on the recipient and the ledger, and the duty room is told.
   */
  async arrive(alertId: string, personId: string, where: { lat: number; lon: number } | null) {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const others = (await this.openFor(personId))
      .filter((a) => a.id !== alertId)
      .flatMap((a) => {
        const at = a.recipients.find((r) => r.personId === personId)?.arrivedAt;
        return at ? [{ townshipId: a.townshipId, at }] : [];
      });
    const { alert, result } = await this.update(alertId, (alert, ctx) => {
      const post = ref.townships.get(alert.townshipId)?.commandPost ?? null;
      const r = arrive(alert, personId, ctx, where, post ? { lat: post.lat, lon: post.lon } : null, others);
      return { result: r.outcome, effects: r.effects, changed: r.outcome === 'arrived' };
    });
    if (result === 'not-open') throw new AlertError('alert_not_open', `Alert ${alertId} is resolved`);
    if (result === 'not-recipient') throw new AlertError('not_recipient', `Person ${personId} was not notified by alert ${alertId}`);
    const r = alert.recipients.find((x) => x.personId === personId);
    if (result === 'arrived' && r?.arrival?.flagged) {
      await this.d.onDoubtfulArrival?.(alert, r).catch((err: unknown) => this.d.log.error({ err, alertId, personId }, 'doubtful-arrival notice not sent'));
    }
    return { alert, outcome: result };
  }

  /** The open call-outs (warnings and response call-outs) that told `personId`, newest first. */
  async openFor(personId: string): Promise<Alert[]> {
    const ref = await this.d.reference.snapshot();
    const townshipIds = [...ref.townships.keys()];
    const ids = [...(await this.store.openAlertIds(townshipIds)).values(), ...(await this.store.openAlertIds(townshipIds, 'response')).values()];
    const alerts = await this.store.getMany(ids);
    return alerts.filter((a) => a.status === 'open' && a.recipients.some((r) => r.personId === personId)).sort((a, b) => b.raisedAt - a.raisedAt);
  }

  async resolve(alertId: string, by: string, reason: string): Promise<Alert> {
    const stored = await this.store.get(alertId);
    if (stored?.alert.kind === 'response') {
      throw new AlertError(
        'response_callout',
        `${alertId} is a township's part of HQ response ${stored.alert.responseId}: end or narrow the response by notice (POST /v1/responses/${stored.alert.responseId}/end or /adjust)`,
      );
    }
    const { alert, result } = await this.update(alertId, (alert, ctx) => {
      if (alert.status !== 'open') return { result: false, effects: EFFECTS_NONE, changed: false };
      return { result: true, effects: resolveAlert(alert, by, reason, ctx), changed: true };
    });
    if (!result) throw new AlertError('alert_not_open', `Alert ${alertId} is already resolved`);
    this.d.log.info({ alertId, by }, 'alert resolved');
    return alert;
  }

  /**
   * 立即升级: the duty room runs the next escalation step now, for one person or for everyone
   * who has not answered, through the same step the deadline timer would run (messages,
   * the next timer, the record on the person); audited with who asked.
   */
  async escalateNow(
    alertId: string,
    personId: string | null,
    by: string,
    audit: { actor: string; role: string },
  ): Promise<{ alert: Alert; steps: NextStep[] }> {
    const { alert, result } = await this.update(alertId, (alert, ctx) => {
      const r = escalateNow(alert, personId, ctx, by);
      return { result: r, effects: r.outcome === 'ran' ? r.effects : EFFECTS_NONE, changed: r.outcome === 'ran' };
    });
    if (result.outcome === 'not-open') throw new AlertError('alert_not_open', `Alert ${alertId} is resolved; nothing to escalate`);
    if (result.outcome === 'not-recipient')
      throw new AlertError('not_found', `Person "${personId}" was not told by alert ${alertId}; GET /v1/alerts/${alertId} lists its people`);
    if (result.outcome !== 'ran') {
      throw new AlertError(
        'nothing_to_escalate',
        personId
          ? `Nothing to escalate for ${personId}: answered, at the post, or the escalation chain has run out`
          : `Nothing to escalate on alert ${alertId}: everyone who must answer has answered, or the chain has run out`,
      );
    }
    const steps = result.steps;
    await this.d.redis.xadd(
      ...auditArgs(this.d.keys, {
        at: new Date(this.d.now()).toISOString(),
        ...audit,
        action: 'alerts.escalate',
        target: `alerts/${alertId}`,
        before: null,
        after: { personId, steps },
      }),
    );
    this.d.log.info({ alertId, personId, by, steps: steps.length }, 'escalated now by the duty room');
    return { alert, steps };
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
  async deliver(
    alertId: string,
    messageId: string,
    contactStep: number,
    attempt: number,
    lastAttempt: boolean,
    unbundled = false,
  ): Promise<'done' | 'retry' | 'next'> {
    const stored = await this.store.get(alertId);
    if (!stored) return 'done';
    const { alert } = stored;
    const message = alert.messages[messageId];
    if (message?.status !== 'pending') return 'done';
    const ref = await this.d.reference.snapshot({ fresh: true });
    const person = ref.people.get(message.personId);
    // Board only (smsOptOut): no routine SMS; escalations to the person still come by SMS and phone.
    const noSms = boardOnlySkips(message, (await this.prefs.get(message.personId)).smsOptOut);
    const usable = (ch: string) => this.d.channels.has(ch) && !(noSms && ch === 'sms');
    const contacts = contactLadder(person?.contacts ?? [], usable, message, this.policy.calls);
    const noCall = contactStep === 0 && attempt === 1 ? callUnavailable(person?.contacts ?? [], usable, message, this.policy.calls) : null;
    if (noCall) await this.recordDelivery(alertId, messageId, { channel: 'voice', to: '', attempt, contactStep, status: 'skipped', error: noCall }, null);
    if (contactStep >= contacts.length) {
      if (noSms && contacts.length === 0) {
        await this.recordDelivery(
          alertId,
          messageId,
          { channel: 'board', to: '', status: 'skipped', error: '仅看板：此人已选择不接收例行短信，消息在值班看板显示', attempt },
          'cancelled',
        );
        return 'done';
      }
      await this.recordDelivery(
        alertId,
        messageId,
        { channel: 'none', to: '', status: 'no-contact', error: contacts.length === 0 ? 'no usable contact for this person' : 'every contact failed', attempt },
        'failed',
      );
      return 'done';
    }
    // SMS to one person within `bundleWithin` go as one; a Ⅱ/Ⅰ opening the window goes at once.
    if (contacts[contactStep]!.channel === 'sms' && contactStep === 0 && attempt === 1 && !unbundled && (await this.bundle.hold(alert, message))) return 'done';
    const outcome = await deliverRung(this.sender, {
      contacts,
      contactStep,
      attempt,
      last: lastAttempt,
      ref: { alertId, messageId, contactStep, personId: message.personId },
      render: (contact) => this.outbound(alert, message, contact.channel, ref),
      record: (r) => this.recordDelivery(alertId, messageId, r, r.status === 'sent' ? 'sent' : null),
    });
    return outcome === 'exhausted' ? 'next' : outcome;
  }

  /** A message rendered for one channel, with a fresh answer link when it carries one. */
  async outbound(alert: Alert, message: AlertMessage, channel: string, ref: ReferenceSnapshot) {
    const person = ref.people.get(message.personId);
    const mobile = person?.contacts.find((c) => c.channel === 'sms')?.to ?? null;
    const ackUrl = message.withLink ? await this.answerUrl(alert.id, message.personId) : null;
    const township = ref.townships.get(alert.townshipId);
    return renderMessage({
      alert,
      message,
      person: { id: message.personId, name: person?.name ?? message.personId, mobile },
      townshipName: township?.name ?? alert.townshipId,
      stationName: (id) => ref.stations.get(id)?.name ?? id,
      ackUrl,
      timeZone: this.d.config.levels.timezone,
      sender: this.policy.sender,
      about: message.aboutPersonId ? (alert.recipients.find((r) => r.personId === message.aboutPersonId) ?? null) : null,
      channel,
    });
  }

  /** A personal answer link (it opens the person's page with all their open items). */
  async answerUrl(alertId: string, personId: string): Promise<string> {
    return `${this.policy.publicUrl.replace(/\/$/, '')}/a/${await this.d.links.issue({ alertId, personId, expiresAt: this.d.now() + this.policy.linkTtl })}`;
  }

  async recordDelivery(
    alertId: string,
    messageId: string,
    d: Omit<Delivery, 'messageId' | 'at'>,
    final: 'sent' | 'failed' | 'cancelled' | null,
  ): Promise<void> {
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
      if (final === 'failed' || d.status === 'failed' || (d.status === 'skipped' && d.channel !== 'board')) {
        alert.timeline.push({
          at: ctx.now,
          type: d.status === 'skipped' ? 'call-not-placed' : 'delivery-failed',
          personId: m?.personId,
          detail: { messageId, channel: d.channel, error: d.error },
        });
      }
      return { result: null, effects: EFFECTS_NONE, changed: true };
    });
  }

  /** Rebuilds lost timers and undelivered messages from the stored alerts; re-checks every township. */
  async sweep(): Promise<{ townships: number; timers: number; messages: number; bundles: number }> {
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
    const bundles = await this.bundle.repair();
    return { townships: townshipIds.length, timers, messages, bundles };
  }
}

function localDate(t: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t));
}
