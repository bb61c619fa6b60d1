import { createHmac } from 'node:crypto';
import type { Channel, DeliveryResult, OutboundMessage } from './types.js';
import { errcodeReply, postOnce, type FetchLike } from './http.js';

/**
 * 钉钉 robot: POST `<baseUrl>/robot/send?access_token=…&timestamp=<ms>&sign=…` where sign is
 * base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")), URL-encoded (加签). Markdown with an
 * @ of the person's mobile so the robot mentions them. `errcode` other than 0 is a failure.
 */
export function dingtalkSign(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export class DingtalkChannel implements Channel {
  readonly name = 'dingtalk' as const;

  constructor(
    private readonly baseUrl: string,
    private readonly secretFor: (accessToken: string) => string | undefined,
    private readonly timeoutMs: number,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  send(to: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const token = to.startsWith('http') ? (new URL(to).searchParams.get('access_token') ?? '') : to;
    const url = new URL(`${this.baseUrl.replace(/\/$/, '')}/robot/send`);
    url.searchParams.set('access_token', token);
    const secret = this.secretFor(token);
    if (secret) {
      const timestamp = String(this.now());
      url.searchParams.set('timestamp', timestamp);
      url.searchParams.set('sign', dingtalkSign(secret, timestamp));
    }
    const mobile = m.mobile?.replace(/^\+?86/, '') ?? null;
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: { title: m.title, text: mobile ? `${m.markdown}\n\n@${mobile}` : m.markdown },
      at: { atMobiles: mobile ? [mobile] : [], isAtAll: false },
    });
    return postOnce(
      this.fetchImpl,
      'dingtalk',
      url.toString(),
      { headers: { 'content-type': 'application/json; charset=utf-8' }, body },
      this.timeoutMs,
      signal,
      // 130101: sent too fast (限流); -1: busy.
      errcodeReply([130101, -1]),
    );
  }
}
