import type { Channel, ChannelName, DeliveryResult, OutboundMessage } from './types.js';

/**
 * One provider of a channel (Aliyun, Tencent, an HTTP gateway…). A channel with several
 * tries them in order within one send (fail-over), and reports every provider's outcome
 * (`tried`), so a failing provider is visible on the alert while the message still goes
 * out through the next one.
 */
export interface Provider {
  readonly name: string;
  send(to: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult>;
}

export class FailoverChannel implements Channel {
  constructor(
    readonly name: ChannelName,
    private readonly providers: Provider[],
  ) {}

  async send(to: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const tried: NonNullable<DeliveryResult['tried']> = [];
    let last: DeliveryResult | null = null;
    for (const p of this.providers) {
      const r = await p.send(to, m, signal);
      tried.push({ provider: p.name, ok: r.ok, ...(r.error ? { error: r.error } : {}) });
      if (r.ok) return { ...r, tried };
      last = r;
    }
    return {
      ok: false,
      provider: last?.provider ?? 'none',
      error: tried.length ? tried.map((t) => `${t.provider}: ${t.error}`).join('; ') : `no ${this.name} provider configured`,
      // Worth another round if any provider could recover.
      retryable: tried.length > 0 && (last?.retryable ?? false),
      tried,
    };
  }
}
