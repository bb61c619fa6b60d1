import { createHmac, randomUUID } from 'node:crypto';
import type { Channel, DeliveryResult, OutboundMessage } from './types.js';
import { json, postOnce, type FetchLike } from './http.js';

/**
 * SMS behind a provider interface, with fail-over: the providers are tried in order within
 * one send, and every provider's outcome is reported (`tried`), so a failing provider is
 * visible on the alert while the message still goes out through the next one.
 */
export interface SmsProvider {
  readonly name: string;
  send(phone: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult>;
}

/** Aliyun's percent-encoding (RFC 3986 unreserved kept, space as %20). */
export function aliyunEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Aliyun RPC signature: base64(HMAC-SHA1(secret + "&", METHOD&%2F&encode(sorted query))). */
export function aliyunSignature(method: string, params: Record<string, string>, accessKeySecret: string): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k]!)}`)
    .join('&');
  const stringToSign = `${method}&${aliyunEncode('/')}&${aliyunEncode(canonical)}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

/** Aliyun Dysms SendSms (RPC style, version 2017-05-25) with a registered template. */
export class AliyunSms implements SmsProvider {
  constructor(
    readonly name: string,
    private readonly cfg: { baseUrl: string; regionId: string; accessKeyId: string; accessKeySecret: string; signName: string; templateCode: string; templateParams?: readonly string[]; paramMaxLength?: number },
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
    const params: Record<string, string> = {
      AccessKeyId: this.cfg.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      OutId: m.messageId.slice(0, 64),
      PhoneNumbers: phone.replace(/^\+?86/, ''),
      RegionId: this.cfg.regionId,
      SignName: this.cfg.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      SignatureVersion: '1.0',
      TemplateCode: this.cfg.templateCode,
      TemplateParam: JSON.stringify(this.templateParams(m.params)),
      Timestamp: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
    };
    const signature = aliyunSignature('GET', params, this.cfg.accessKeySecret);
    const query = [`Signature=${aliyunEncode(signature)}`, ...Object.keys(params).map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k]!)}`)].join('&');
    return postOnce(this.fetchImpl, this.name, `${this.cfg.baseUrl.replace(/\/$/, '')}/?${query}`, { method: 'GET' }, this.timeoutMs, signal, (status, text) => {
      const reply = json<{ Code?: string; Message?: string; BizId?: string }>(text);
      if (status === 200 && reply?.Code === 'OK') return { ok: true, id: reply.BizId };
      const code = reply?.Code ?? `HTTP ${status}`;
      return { ok: false, error: `${code}${reply?.Message ? ` ${reply.Message}` : ''}`, retryable: status >= 500 || /LIMIT_CONTROL|Throttling|ServiceUnavailable/i.test(code) };
    });
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

export class SmsChannel implements Channel {
  readonly name = 'sms' as const;

  constructor(private readonly providers: SmsProvider[]) {}

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
      error: tried.length ? tried.map((t) => `${t.provider}: ${t.error}`).join('; ') : 'no SMS provider configured',
      // Worth another round if any provider could recover.
      retryable: tried.length > 0 && this.providers.length > 0 && (last?.retryable ?? false),
      tried,
    };
  }
}
