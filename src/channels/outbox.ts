import type { Redis } from 'ioredis';
import type { Channel, ChannelName, DeliveryResult, OutboundMessage } from './types.js';

/**
 * Drill mode (演练模式): every channel writes to an outbox in Redis instead of a provider,
 * so a drill or the demo data shows every message (GET /v1/admin/outbox) and nobody's
 * phone rings. Turned on with FANGXUN_DRILL=1, or by the demo data on an empty database.
 */
export class OutboxChannel implements Channel {
  constructor(
    readonly name: ChannelName,
    private readonly redis: Redis,
    private readonly key: string,
    private readonly now: () => number,
  ) {}

  async send(to: string, m: OutboundMessage): Promise<DeliveryResult> {
    try {
      // Idempotent per rung of the ladder (outId: message and contact step; else the message
      // id): a retry after a crash between writing and recording the delivery finds it
      // already in the outbox, while the next contact of the same message is written.
      const id = (await this.redis.eval(
        OUTBOX_ONCE,
        2,
        this.key,
        `${this.key}:sent`,
        m.outId ?? m.messageId,
        String(this.now()),
        this.name,
        to,
        JSON.stringify({
          messageId: m.messageId,
          alertId: m.alertId,
          personId: m.personId,
          personName: m.personName,
          role: m.role,
          title: m.title,
          text: m.text,
          ackUrl: m.ackUrl,
          deadline: m.deadline,
          ...(m.speech ? { speech: m.speech } : {}),
          ...(m.outId ? { outId: m.outId } : {}),
        }),
      )) as string;
      return { ok: true, provider: 'outbox', providerMessageId: id, retryable: false };
    } catch (err) {
      return { ok: false, provider: 'outbox', error: (err as Error).message, retryable: true };
    }
  }
}

/** KEYS: outbox stream, sent hash. ARGV: messageId, at, channel, to, message JSON. */
const OUTBOX_ONCE = `
local prior = redis.call('HGET', KEYS[2], ARGV[1])
if prior then return prior end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', '10000', '*', 'at', ARGV[2], 'channel', ARGV[3], 'to', ARGV[4], 'message', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], id)
return id
`;

export const DRILL_CHANNELS: readonly ChannelName[] = ['sms', 'voice', 'wecom', 'dingtalk', 'email', 'webhook'];

export function drillChannels(redis: Redis, key: string, now: () => number): Map<string, Channel> {
  return new Map(DRILL_CHANNELS.map((name) => [name, new OutboxChannel(name, redis, key, now)]));
}
