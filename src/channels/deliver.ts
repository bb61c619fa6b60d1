import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { Channel, DeliveryResult, OutboundMessage } from './types.js';
import type { CallPolicy } from '../domain/policy.js';
import { callRefusedText, callWindows, type Contact } from '../domain/calls.js';
import type { DeliveryRef } from '../domain/receipts.js';
import { mainlandNumber } from './aliyunRpc.js';

/**
 * The one delivery path (alerts, response call-outs, notices): `deliverRung` runs one attempt on one
 * rung of a person's contact ladder (retry → next contact; fail-over between providers inside a channel),
 * `ContactSender` puts it on the wire: remembers which delivery a receipt will
 * be about (by our OutId before sending, by the provider's id after), and keeps calls
 * within the providers' per-number limits — a call the provider would refuse is never
 * placed (`skipped`, with the reason), so the ladder moves on at once.
 */
export type SendOutcome = { skipped: string } | DeliveryResult;

const REF_TTL_S = 7 * 86_400;
/** Channels whose providers push receipts (the others have nothing to match). */
const RECEIPT_CHANNELS = new Set(['sms', 'voice']);

/**
 * KEYS: call log of a number. ARGV: now, member, then (window ms, limit) pairs.
 * Returns 0 and records the call, or the window whose limit is reached.
 */
const RESERVE_CALL = `
local now = tonumber(ARGV[1])
local longest = 0
for i = 3, #ARGV, 2 do longest = math.max(longest, tonumber(ARGV[i])) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
for i = 3, #ARGV, 2 do
  local w = tonumber(ARGV[i])
  if redis.call('ZCOUNT', KEYS[1], now - w + 1, '+inf') >= tonumber(ARGV[i + 1]) then return w end
end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], longest)
return 0
`;

type GateRedis = Redis & { fxReserveCall(key: string, ...args: Array<string | number>): Promise<number> };

export class ContactSender {
  private readonly redis: GateRedis;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
    private readonly channels: Map<string, Channel>,
    private readonly calls: () => CallPolicy,
    private readonly now: () => number,
  ) {
    if (!('fxReserveCall' in redis)) redis.defineCommand('fxReserveCall', { numberOfKeys: 1, lua: RESERVE_CALL });
    this.redis = redis as GateRedis;
  }

  /** Our OutId of one rung of one message: short, stable, quoted back by receipts. */
  static outId(messageId: string, contactStep: number): string {
    return `fx${createHash('sha256').update(`${messageId}|${contactStep}`).digest('base64url').slice(0, 22)}`;
  }

  async send(contact: Contact, m: OutboundMessage, ref: DeliveryRef, attempt: number, signal?: AbortSignal): Promise<SendOutcome> {
    const channel = this.channels.get(contact.channel)!;
    const outId = ContactSender.outId(ref.messageId, ref.contactStep);
    const receipted = RECEIPT_CHANNELS.has(contact.channel);
    if (receipted) await this.redis.set(this.keys.deliveryRef(outId), JSON.stringify(ref), 'EX', REF_TTL_S);
    const member = `${outId}|${attempt}`;
    const callLog = this.keys.callLog(mainlandNumber(contact.to));
    if (contact.channel === 'voice') {
      const windows = callWindows(this.calls());
      const refused = await this.redis.fxReserveCall(callLog, this.now(), member, ...windows.flatMap((w) => [w.windowMs, w.limit]));
      if (refused > 0) return { skipped: callRefusedText(refused, this.calls()) };
    }
    const result = await channel.send(contact.to, { ...m, outId }, signal);
    if (receipted && result.ok && result.providerMessageId) {
      await this.redis.set(this.keys.deliveryRef(`pm:${result.providerMessageId}`), JSON.stringify(ref), 'EX', REF_TTL_S);
    }
    // No provider took the call: it does not count against the number's limits.
    if (!result.ok && contact.channel === 'voice') await this.redis.zrem(callLog, member);
    return result;
  }

  /** The delivery a receipt is about, by any of the ids it quotes (our OutId, or `pm:<provider's id>`). */
  async find(ids: string[]): Promise<DeliveryRef | null> {
    for (const id of ids) {
      const json = await this.redis.get(this.keys.deliveryRef(id));
      if (json) return JSON.parse(json) as DeliveryRef;
    }
    return null;
  }
}

/** How one attempt on one rung went, as the caller records it (the address already masked). */
export interface RungRecord {
  channel: string;
  to: string;
  attempt: number;
  contactStep: number;
  status: 'sent' | 'failed' | 'retrying' | 'skipped';
  provider?: string;
  providerMessageId?: string;
  error?: string;
}

/** One attempt on one rung of a person's contact ladder: alerts, response call-outs and notices alike. */
export interface RungAttempt {
  /** The person's usable contacts in the order to try them (the ladder). */
  contacts: readonly Contact[];
  /** Which rung (0: the first contact) and which attempt on it (1-based); `last`: no retry is left. */
  contactStep: number;
  attempt: number;
  last: boolean;
  /** Which delivery a provider's receipt will be about. */
  ref: DeliveryRef;
  /** The message for this contact's channel. */
  render(contact: Contact): Promise<OutboundMessage>;
  /** Kept on the alert or notice (and counted). */
  record(r: RungRecord): Promise<void>;
}

/**
 * 'done' (sent), 'retry' (same contact again after a backoff), 'next' (move to the next contact) or
 * 'exhausted' (no contact left: the caller says why). The one contact ladder: retry → next contact;
 * fail-over between providers happens inside a channel (channels/failover.ts).
 */
export async function deliverRung(sender: ContactSender, a: RungAttempt): Promise<'done' | 'retry' | 'next' | 'exhausted'> {
  const contact = a.contacts[a.contactStep];
  if (!contact) return 'exhausted';
  const outbound = await a.render(contact);
  const result = await sender.send(contact, outbound, a.ref, a.attempt, AbortSignal.timeout(30_000));
  const base = { channel: contact.channel, to: maskAddress(contact.channel, contact.to), attempt: a.attempt, contactStep: a.contactStep };
  if ('skipped' in result) {
    await a.record({ ...base, status: 'skipped', error: result.skipped });
    return 'next';
  }
  if (result.ok) {
    await a.record({
      ...base,
      provider: result.provider,
      status: 'sent',
      ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
    });
    return 'done';
  }
  const error = result.tried && result.tried.length > 1 ? result.tried.map((t) => `${t.provider}: ${t.ok ? 'ok' : t.error}`).join('; ') : result.error;
  const retry = result.retryable && !a.last;
  await a.record({ ...base, provider: result.provider, status: retry ? 'retrying' : 'failed', error: error ?? 'failed' });
  return retry ? 'retry' : 'next';
}

/** An address as people may see it on the board: 138****5678, a***@example.com, https://host/…. */
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
