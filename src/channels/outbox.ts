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
      const id = await this.redis.xadd(
        this.key,
        'MAXLEN',
        '~',
        '10000',
        '*',
        'at',
        String(this.now()),
        'channel',
        this.name,
        'to',
        to,
        'message',
        JSON.stringify({ messageId: m.messageId, alertId: m.alertId, personId: m.personId, personName: m.personName, role: m.role, title: m.title, text: m.text, ackUrl: m.ackUrl, deadline: m.deadline }),
      );
      return { ok: true, provider: 'outbox', providerMessageId: id ?? undefined, retryable: false };
    } catch (err) {
      return { ok: false, provider: 'outbox', error: (err as Error).message, retryable: true };
    }
  }
}

export const DRILL_CHANNELS: readonly ChannelName[] = ['sms', 'wecom', 'dingtalk', 'email', 'webhook'];

export function drillChannels(redis: Redis, key: string, now: () => number): Map<string, Channel> {
  return new Map(DRILL_CHANNELS.map((name) => [name, new OutboxChannel(name, redis, key, now)]));
}
