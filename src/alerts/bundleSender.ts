import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import type { ReferenceStore } from '../reference/store.js';
import type { Alert, AlertMessage } from '../domain/alerts/index.js';
import { levelRank } from '../domain/levels.js';
import type { AlertScheduler, AlertService } from './service.js';
import { maskAddress } from '../channels/deliver.js';
import { SmsBundles, type HeldItem } from './bundles.js';
import { bundleSmsText } from './smsText.js';

/** Held bundles past due by this much are flushed again by the sweep (their wake-up job was lost). */
const REPAIR_GRACE_MS = 5_000;

/**
 * Sends a person's held SMS as one: the messages still pending (an ack meanwhile cancels
 * its own), one text naming every township, the answer link of one of them (it opens the
 * person's page with all their open items), and each message marked sent on its own alert.
 * When the SMS fails, each message moves on to the person's next contact on its own.
 */
export class BundleSender {
  private readonly bundles: SmsBundles;

  constructor(
    private readonly d: {
      alerts: AlertService;
      redis: Redis;
      keys: Keys;
      config: AppConfig;
      reference: ReferenceStore;
      scheduler: AlertScheduler;
      now: () => number;
      log: Logger;
    },
  ) {
    this.bundles = new SmsBundles(d.redis, d.keys);
  }

  private get within(): number {
    return this.d.config.policy.delivery.bundleWithin;
  }

  /** True when the SMS is held for a bundle (its flush is scheduled); false: send it now. */
  async hold(alert: Alert, m: AlertMessage): Promise<boolean> {
    if (!(this.within > 0)) return false;
    const item = { alertId: alert.id, messageId: m.id };
    const now = this.d.now();
    // A delivery job run again (crash, sweep) finds its message already held.
    let due = (await this.bundles.isHeld(m.personId, item))
      ? now
      : await this.bundles.hold(m.personId, item, this.within, levelRank(m.level) >= levelRank('II'), now);
    if (due === 0) return false;
    due = Math.max(due, now);
    await this.d.scheduler.flushBundle(m.personId, due);
    return true;
  }

  /** The flush job: sends what is held once the window is over. */
  async flush(personId: string): Promise<number> {
    const now = this.d.now();
    const took = await this.bundles.take(personId, now);
    if (took.status === 'wait') {
      await this.d.scheduler.flushBundle(personId, took.until);
      return 0;
    }
    if (took.status === 'busy' || took.items.length === 0) {
      if (took.status === 'ok') await this.bundles.done(personId, [], now);
      return 0;
    }
    try {
      return await this.send(personId, took.items);
    } finally {
      await this.bundles.done(personId, took.items, this.d.now());
    }
  }

  /** Flushes bundles whose wake-up was lost (the sweep). */
  async repair(): Promise<number> {
    const late = await this.bundles.overdue(this.d.now(), REPAIR_GRACE_MS);
    for (const personId of late) await this.d.scheduler.flushBundle(personId, this.d.now(), true);
    return late.length;
  }

  private async send(personId: string, items: HeldItem[]): Promise<number> {
    const { alerts } = this.d;
    const pending: Array<{ alert: Alert; message: AlertMessage }> = [];
    for (const it of items) {
      const alert = (await alerts.store.get(it.alertId))?.alert;
      const message = alert?.messages[it.messageId];
      if (alert && message && message.status === 'pending') pending.push({ alert, message });
    }
    if (pending.length === 0) return 0;
    const ref = await this.d.reference.snapshot({ fresh: true });
    const person = ref.people.get(personId);
    const contact = person?.contacts.find((c) => c.channel === 'sms');
    if (!contact) {
      // The SMS contact went away meanwhile: each message takes the ordinary ladder again.
      for (const p of pending) await this.d.scheduler.deliver(p.alert.id, p.message, 1);
      return 0;
    }
    const first = pending[0]!;
    const outbound = await alerts.outbound(first.alert, first.message, 'sms', ref);
    if (pending.length > 1) {
      const asking = pending.find((p) => p.message.withLink && p.message.deadline !== null);
      const link = asking ? await alerts.answerUrl(asking.alert.id, personId) : null;
      outbound.text = bundleSmsText(
        pending.map((p) => ({
          alert: p.alert,
          message: p.message,
          townshipName: ref.townships.get(p.alert.townshipId)?.name ?? p.alert.townshipId,
          recipient: p.alert.recipients.find((r) => r.personId === personId),
        })),
        { name: person?.name ?? personId, link, timeZone: this.d.config.levels.timezone, now: this.d.now() },
      );
      outbound.title = `【防汛叫应】${pending.length}条消息`;
      outbound.ackUrl = link;
    }
    const ref0 = { alertId: first.alert.id, messageId: first.message.id, contactStep: 0, personId };
    const result = await alerts.sender.send(contact, outbound, ref0, 1, AbortSignal.timeout(30_000));
    const to = maskAddress('sms', contact.to);
    for (const p of pending) {
      if ('skipped' in result || !result.ok) {
        const error = 'skipped' in result ? result.skipped : (result.error ?? 'failed');
        await alerts.recordDelivery(p.alert.id, p.message.id, { channel: 'sms', to, attempt: 1, contactStep: 0, status: 'failed', error }, null);
        await this.d.scheduler.deliver(p.alert.id, p.message, 1);
      } else {
        await alerts.recordDelivery(
          p.alert.id,
          p.message.id,
          {
            channel: 'sms',
            to,
            attempt: 1,
            contactStep: 0,
            provider: result.provider,
            status: 'sent',
            ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
          },
          'sent',
        );
      }
    }
    this.d.log.info({ personId, messages: pending.length }, 'SMS bundle sent');
    return pending.length;
  }
}
