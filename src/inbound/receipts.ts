import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { timingSafeEqual } from 'node:crypto';
import type { Keys } from '../store/keys.js';
import { AlertError, type AlertScheduler, type AlertService } from '../alerts/service.js';
import type { ReferenceStore } from '../reference/store.js';
import type { ChannelsConfig } from '../channels/config.js';
import { applyReceipt, type DeliveryRef, type ReceiptEffect } from '../domain/receipts.js';
import { acknowledgeBySms } from './smsReply.js';
import { INBOUND_ENDPOINTS, type InboundEndpoint, type ParsedReceipt, type ParsedReply } from './parse.js';
import { readEnv } from '../config/env.js';

/**
 * Receipts pushed by the providers, applied to the alerts: a keypress 1 acknowledges (via
 * voice), a phone switched off / not answered / a call answered without the key sends the
 * person's next contact at once, every receipt is shown on its delivery in Chinese.
 * Idempotent: a receipt pushed again changes nothing (the seen-key is written after the
 * effect, and each effect is itself idempotent, so a crash in between only repeats no-ops).
 */
const SEEN_TTL_S = 3 * 86_400;
/** A receipt can overtake the commit of its own delivery by a few milliseconds. */
const DELIVERY_WAIT_MS = 3_000;

export const MIN_SECRET_LENGTH = 24;

/** The path secret of each receipt endpoint, from the environment; short or missing ones are off. */
export function inboundSecrets(cfg: ChannelsConfig, env: NodeJS.ProcessEnv, warn: (msg: string) => void): Map<InboundEndpoint, string> {
  const out = new Map<InboundEndpoint, string>();
  for (const ep of INBOUND_ENDPOINTS) {
    const name = cfg.inbound[ep].secretEnv;
    const secret = readEnv(env).secret(name);
    if (!secret) continue;
    if (secret.length < MIN_SECRET_LENGTH || !/^[\w-]+$/.test(secret)) {
      warn(`receipts ${ep}: ${name} must be at least ${MIN_SECRET_LENGTH} letters, digits, - or _ (e.g. openssl rand -hex 16); endpoint off`);
      continue;
    }
    out.set(ep, secret);
  }
  return out;
}

export interface ReceiptDeps {
  redis: Redis;
  keys: Keys;
  alerts: AlertService;
  reference: ReferenceStore;
  scheduler: AlertScheduler;
  secrets: Map<InboundEndpoint, string>;
  log: Logger;
}

export type ReceiptResult = 'applied' | 'duplicate' | 'unknown';

export class ReceiptService {
  constructor(private readonly d: ReceiptDeps) {}

  /** True when `secret` is the path secret of `endpoint` (constant time). */
  accepts(endpoint: string, secret: string): endpoint is InboundEndpoint {
    const expected = this.d.secrets.get(endpoint as InboundEndpoint);
    if (!expected) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async handle(item: ParsedReceipt | ParsedReply): Promise<ReceiptResult> {
    const seen = this.d.keys.receiptSeen(item.key);
    if (await this.d.redis.exists(seen)) return 'duplicate';
    const result = item.kind === 'reply' ? await this.reply(item) : await this.receipt(item);
    if (result !== 'unknown') await this.d.redis.set(seen, '1', 'EX', SEEN_TTL_S);
    return result;
  }

  private async reply(item: ParsedReply): Promise<ReceiptResult> {
    const outcome = await acknowledgeBySms(this.d, item.from, item.text).catch(ignoreClosed);
    this.d.log.info({ acknowledged: outcome?.acknowledged ?? false, alertId: outcome?.alertId }, 'sms reply');
    return 'applied';
  }

  private async receipt(item: ParsedReceipt): Promise<ReceiptResult> {
    const ref = await this.d.alerts.sender.find(item.ids);
    if (!ref) {
      // A receipt of a notice, or older than the references kept (7 days): nothing to change.
      this.d.log.info({ ids: item.ids, outcome: item.fact.outcome }, 'receipt for no known alert message');
      return 'unknown';
    }
    if (item.keypress === '1') await this.d.alerts.acknowledge(ref.alertId, ref.personId, 'voice').catch(ignoreClosed);
    return this.applyToDelivery(ref, item).catch((err) => (ignoreClosed(err), 'applied' as const));
  }

  private async applyToDelivery(ref: DeliveryRef, item: ParsedReceipt): Promise<ReceiptResult> {
    const started = Date.now();
    for (;;) {
      const { alert, result } = await this.d.alerts.update<ReceiptEffect>(ref.alertId, (alert, ctx) => {
        const effect = applyReceipt(alert, ref, item.fact, ctx.now);
        return { result: effect, effects: { messages: [], timers: [], ledger: [], cancelled: [] }, changed: effect.changed };
      });
      if (!result.changed && result.reason === 'no-delivery' && Date.now() - started < DELIVERY_WAIT_MS) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if ('nextContactStep' in result && result.nextContactStep !== null) {
        const m = alert.messages[ref.messageId];
        if (m) await this.d.scheduler.deliver(ref.alertId, m, result.nextContactStep);
        this.d.log.info({ alertId: ref.alertId, messageId: ref.messageId, outcome: item.fact.outcome, next: result.nextContactStep }, 'receipt: next contact');
      }
      return 'applied';
    }
  }
}

function ignoreClosed(err: unknown): null {
  if (err instanceof AlertError && err.code !== 'conflict') return null;
  throw err;
}
