import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel, DeliveryResult, OutboundMessage } from './types.js';
import { postOnce, type FetchLike } from './http.js';

/**
 * Webhook: a JSON POST to the contact's URL with these fields (the contract):
 * `{ alertId, townshipId, level, personId, role, text, ackUrl, deadline, messageId }`.
 * Signed: `X-Fangxun-Timestamp: <unix seconds>` and
 * `X-Fangxun-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers: true when the signature matches and the timestamp is within `toleranceS`. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string, now = Date.now(), toleranceS = 300): boolean {
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > toleranceS) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export class WebhookChannel implements Channel {
  readonly name = 'webhook' as const;

  constructor(
    private readonly secret: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  send(to: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const body = JSON.stringify({
      alertId: m.alertId,
      townshipId: m.townshipId,
      level: m.level,
      personId: m.personId,
      role: m.role,
      text: m.text,
      ackUrl: m.ackUrl,
      deadline: m.deadline,
      messageId: m.messageId,
    });
    const timestamp = String(Math.floor(this.now() / 1000));
    return postOnce(
      this.fetchImpl,
      'webhook',
      to,
      {
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-fangxun-timestamp': timestamp,
          'x-fangxun-signature': webhookSignature(this.secret, timestamp, body),
        },
        body,
      },
      this.timeoutMs,
      signal,
    );
  }
}
