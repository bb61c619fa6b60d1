import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Keys } from '../store/keys.js';
import type { ReferenceStore } from '../reference/store.js';
import type { Channel, OutboundMessage } from '../channels/types.js';
import { ContactSender, deliverRung } from '../channels/deliver.js';
import { PersonPrefsStore } from '../store/personPrefs.js';

/**
 * Notices: messages that are not alerts (daily report, shift reminders, gauge offline and
 * recovered, roster gaps). Sent through the same channels as alerts, one job per person,
 * retried, each delivery recorded. A notice has a deduplication key, so a cron slot or an
 * outage produces it once however many schedulers run.
 */
export const NOTICE_KINDS = [
  'daily-report',
  'shift-reminder',
  'shift-change',
  'gauge-offline',
  'gauge-recovered',
  'roster-gaps',
  'sl651-lockout',
  'recommendation',
  'response',
  'arrival-doubt',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Notice {
  id: string;
  kind: NoticeKind;
  key: string;
  title: string;
  text: string;
  createdAt: number;
  personIds: string[];
  /** A shorter text for SMS (the daily report's short form with a link to the full one). */
  smsText?: string;
}

export interface NoticeDelivery {
  channel: string;
  to: string;
  status: 'sent' | 'failed' | 'retrying' | 'no-contact';
  at: number;
  attempt: number;
  error?: string;
}

export interface NoticeQueue {
  notice(noticeId: string, personId: string, contactStep?: number): Promise<void>;
}

/** Notices never ring a phone (calls are for 叫应 only), so no call limits apply to them. */
const NO_CALLS = { firstAt: [], limits: { perMinute: 0, perHour: 0, perDay: 0 } };

export class NoticeService {
  private readonly sender: ContactSender;
  private readonly prefs: PersonPrefsStore;

  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      reference: ReferenceStore;
      channels: Map<string, Channel>;
      queue: NoticeQueue;
      now: () => number;
      log: Logger;
    },
  ) {
    this.sender = new ContactSender(d.redis, d.keys, d.channels, () => NO_CALLS, d.now);
    this.prefs = new PersonPrefsStore(d.redis, d.keys);
  }

  /** Sends once per `key`; returns the notice, or null when that key was already sent. */
  async send(n: { kind: NoticeKind; key: string; title: string; text: string; personIds: string[]; smsText?: string }): Promise<Notice | null> {
    const { redis, keys } = this.d;
    const personIds = [...new Set(n.personIds)];
    const notice: Notice = {
      id: `n-${randomUUID().slice(0, 12)}`,
      kind: n.kind,
      key: n.key,
      title: n.title,
      text: n.text,
      createdAt: this.d.now(),
      personIds,
      ...(n.smsText ? { smsText: n.smsText } : {}),
    };
    // The notice and its dedup key in one step: a duplicate never gets past this.
    const created = await redis.set(keys.noticeDedup(n.key), notice.id, 'EX', 90 * 86_400, 'NX');
    if (created !== 'OK') return null;
    await redis.multi().hset(keys.notice(notice.id), 'doc', JSON.stringify(notice)).zadd(keys.noticeIndex(), notice.createdAt, notice.id).exec();
    for (const personId of personIds)
      await this.d.queue.notice(notice.id, personId).catch((err: unknown) => this.d.log.error({ err, noticeId: notice.id }, 'notice not queued'));
    this.d.log.info({ noticeId: notice.id, kind: n.kind, people: personIds.length }, 'notice sent');
    return notice;
  }

  async get(id: string): Promise<(Notice & { deliveries: Record<string, NoticeDelivery[]> }) | null> {
    const all = await this.d.redis.hgetall(this.d.keys.notice(id));
    if (!all.doc) return null;
    const notice = JSON.parse(all.doc) as Notice;
    const deliveries: Record<string, NoticeDelivery[]> = {};
    for (const pid of notice.personIds) deliveries[pid] = all[`d:${pid}`] ? (JSON.parse(all[`d:${pid}`]!) as NoticeDelivery[]) : [];
    return { ...notice, deliveries };
  }

  /** The notice sent under a deduplication key (e.g. `daily-report:2026-07-05`), or null. */
  async byKey(key: string): Promise<Notice | null> {
    const id = await this.d.redis.get(this.d.keys.noticeDedup(key));
    return id ? this.get(id) : null;
  }

  async list(limit: number, kind?: string) {
    const ids = await this.d.redis.zrevrange(this.d.keys.noticeIndex(), 0, Math.max(limit * 4, 200) - 1);
    const out = [];
    for (const id of ids) {
      const n = await this.get(id);
      if (n && (!kind || n.kind === kind)) out.push(n);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** One attempt to one person; 'retry' (same contact), 'next' (next contact) or 'done'. */
  async deliver(noticeId: string, personId: string, contactStep: number, attempt: number, last: boolean): Promise<'done' | 'retry' | 'next'> {
    const notice = await this.get(noticeId);
    if (!notice) return 'done';
    const mine = notice.deliveries[personId] ?? [];
    if (mine.some((d) => d.status === 'sent')) return 'done';
    const ref = await this.d.reference.snapshot({ fresh: true });
    const person = ref.people.get(personId);
    // Notices (reports, reminders) never ring a phone: calls are for 叫应 only. A board-only
    // person (smsOptOut) gets them on the board and their other channels, not by SMS.
    const boardOnly = (await this.prefs.get(personId)).smsOptOut;
    const contacts = (person?.contacts ?? []).filter((c) => c.channel !== 'voice' && !(boardOnly && c.channel === 'sms') && this.d.channels.has(c.channel));
    const record = (d: NoticeDelivery) =>
      this.d.redis
        .multi()
        .hset(this.d.keys.notice(noticeId), `d:${personId}`, JSON.stringify([...mine, d].slice(-20)))
        .hincrby(this.d.keys.messageCounts(), `${d.channel}|${d.status}`, 1)
        .exec();
    if (contactStep >= contacts.length) {
      await record({
        channel: 'none',
        to: '',
        status: 'no-contact',
        at: this.d.now(),
        attempt,
        error: contacts.length ? 'every contact failed' : 'no usable contact for this person',
      });
      return 'done';
    }
    const render = async (contact: { channel: string }): Promise<OutboundMessage> => ({
      messageId: `${noticeId}:${personId}`,
      alertId: noticeId,
      townshipId: '',
      level: null,
      personId,
      personName: person?.name ?? personId,
      mobile: person?.contacts.find((c) => c.channel === 'sms')?.to ?? null,
      role: notice.kind,
      title: notice.title,
      text: contact.channel === 'sms' && notice.smsText ? notice.smsText : notice.text,
      markdown: `### ${notice.title}\n\n${notice.text.replaceAll('\n', '\n\n')}`,
      ackUrl: null,
      deadline: null,
      params: { title: notice.title, text: notice.text.slice(0, 60) },
    });
    const outcome = await deliverRung(this.sender, {
      contacts,
      contactStep,
      attempt,
      last,
      ref: { alertId: noticeId, messageId: `${noticeId}:${personId}`, contactStep, personId },
      render,
      record: async (r) => {
        // `skipped` is a call over its limits; notices never call, so it cannot happen here.
        await record({
          channel: r.channel,
          to: r.to,
          status: r.status === 'skipped' ? 'failed' : r.status,
          at: this.d.now(),
          attempt: r.attempt,
          ...(r.error ? { error: r.error } : {}),
        });
      },
    });
    return outcome === 'exhausted' ? 'next' : outcome;
  }
}
