import type { DeliveryResult, OutboundMessage } from './types.js';
import { postOnce, type FetchLike } from './http.js';
import { aliyunRpc, mainlandNumber } from './aliyunRpc.js';
import { FailoverChannel, type Provider } from './failover.js';

export { aliyunSignature } from './aliyunRpc.js';

/** SMS behind a provider interface, with fail-over (see failover.ts). */
export type SmsProvider = Provider;

/** Aliyun Dysms SendSms (RPC style, version 2017-05-25) with a registered template. */
export class AliyunSms implements SmsProvider {
  constructor(
    readonly name: string,
    private readonly cfg: {
      baseUrl: string;
      regionId: string;
      accessKeyId: string;
      accessKeySecret: string;
      signName: string;
      templateCode: string;
      signInTemplateCode?: string;
      templateParams?: readonly string[];
      paramMaxLength?: number;
    },
    private readonly timeoutMs: number,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** Only the variables the template uses, each within the provider's length limit. */
  private templateParams(all: Record<string, string>): Record<string, string> {
    const max = this.cfg.paramMaxLength ?? 35;
    const names = this.cfg.templateParams ?? Object.keys(all);
    return Object.fromEntries(names.map((k) => [k, [...(all[k] ?? '')].length > max ? `${[...(all[k] ?? '')].slice(0, max - 1).join('')}…` : (all[k] ?? '')]));
  }

  send(phone: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    // A sign-in code goes by its own 验证码 template, or not by this provider at all.
    if (m.template === 'sign-in-code' && !this.cfg.signInTemplateCode)
      return Promise.resolve({ ok: false, provider: this.name, error: 'no signInTemplateCode configured for sign-in codes', retryable: false });
    const params = {
      OutId: (m.outId ?? m.messageId).slice(0, 64),
      PhoneNumbers: mainlandNumber(phone),
      SignName: this.cfg.signName,
      TemplateCode: m.template === 'sign-in-code' ? this.cfg.signInTemplateCode! : this.cfg.templateCode,
      TemplateParam: JSON.stringify(m.template === 'sign-in-code' ? { code: m.params.code ?? '' } : this.templateParams(m.params)),
    };
    return aliyunRpc(this.name, this.cfg, 'SendSms', params, 'BizId', { timeoutMs: this.timeoutMs, signal, fetchImpl: this.fetchImpl, now: this.now() });
  }
}

/** A generic HTTP SMS gateway: POST JSON `{ phone, text, messageId }` with a bearer token. */
export class HttpSms implements SmsProvider {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
    private readonly fetchImpl: FetchLike = fetch,
  ) {}

  send(phone: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const body = JSON.stringify({ phone, text: m.text, messageId: m.messageId });
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return postOnce(this.fetchImpl, this.name, this.url, { headers, body }, this.timeoutMs, signal);
  }
}

export class SmsChannel extends FailoverChannel {
  constructor(providers: SmsProvider[]) {
    super('sms', providers);
  }
}
