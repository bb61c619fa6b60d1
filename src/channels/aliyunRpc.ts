import { createHmac, randomUUID } from 'node:crypto';
import type { DeliveryResult } from './types.js';
import { json, postOnce, type FetchLike } from './http.js';

/**
 * Aliyun's RPC-style API (短信 Dysms and 语音 Dyvms, both version 2017-05-25): every call is
 * one GET with the common parameters, the action's parameters and a signature over all of
 * them. One signer for every Aliyun product the service calls.
 */

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

export interface AliyunCredentials {
  baseUrl: string;
  regionId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/** Aliyun rate-limit and availability codes: worth another try (or another provider). */
const RETRYABLE_CODE = /LIMIT_CONTROL|Throttling|ServiceUnavailable|InternalError/i;

/**
 * Calls one action and turns the reply into a DeliveryResult: `Code: "OK"` is success and
 * `idField` (BizId for SMS, CallId for calls) the provider's message id, which receipts quote.
 */
export function aliyunRpc(
  provider: string,
  creds: AliyunCredentials,
  action: string,
  actionParams: Record<string, string>,
  idField: string,
  opts: { timeoutMs: number; signal?: AbortSignal; fetchImpl: FetchLike; now: number },
): Promise<DeliveryResult> {
  const params: Record<string, string> = {
    AccessKeyId: creds.accessKeyId,
    Action: action,
    Format: 'JSON',
    RegionId: creds.regionId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: randomUUID(),
    SignatureVersion: '1.0',
    Timestamp: new Date(opts.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Version: '2017-05-25',
    ...actionParams,
  };
  const signature = aliyunSignature('GET', params, creds.accessKeySecret);
  const query = [`Signature=${aliyunEncode(signature)}`, ...Object.keys(params).map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k]!)}`)].join('&');
  return postOnce(opts.fetchImpl, provider, `${creds.baseUrl.replace(/\/$/, '')}/?${query}`, { method: 'GET' }, opts.timeoutMs, opts.signal, (status, text) => {
    const reply = json<Record<string, string | undefined>>(text);
    if (status === 200 && reply?.Code === 'OK') return { ok: true, id: reply[idField] };
    const code = reply?.Code ?? `HTTP ${status}`;
    return { ok: false, error: `${code}${reply?.Message ? ` ${reply.Message}` : ''}`, retryable: status >= 500 || RETRYABLE_CODE.test(code) };
  });
}

/** A mainland number as Aliyun wants it: no +86. */
export function mainlandNumber(phone: string): string {
  return phone.replace(/[\s-]/g, '').replace(/^\+?86(?=1\d{10}$)/, '');
}
