import type { Channel, DeliveryResult, OutboundMessage } from './types.js';
import { errcodeReply, postOnce, type FetchLike } from './http.js';

/**
 * 企业微信 group robot: POST `<baseUrl>/cgi-bin/webhook/send?key=<key>` with a markdown
 * message. The contact is the robot key (or the robot's full URL). HTTP 200 with an
 * `errcode` other than 0 is a failure; 45009 (rate limited) is worth retrying.
 */
export class WecomChannel implements Channel {
  readonly name = 'wecom' as const;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: FetchLike = fetch,
  ) {}

  send(to: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const key = to.startsWith('http') ? (new URL(to).searchParams.get('key') ?? '') : to;
    const url = `${this.baseUrl.replace(/\/$/, '')}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`;
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { content: m.markdown } });
    return postOnce(
      this.fetchImpl,
      'wecom',
      url,
      { headers: { 'content-type': 'application/json; charset=utf-8' }, body },
      this.timeoutMs,
      signal,
      // 45009: over the API's frequency limit; -1: busy.
      errcodeReply([45009, -1]),
    );
  }
}
