import { createHash, createHmac } from 'node:crypto';

/**
 * Tencent Cloud API 3.0 signature (TC3-HMAC-SHA256) for a JSON POST to `/`:
 * canonical request → string to sign (with the UTC date and `<service>/tc3_request` scope)
 * → key derived from "TC3" + SecretKey over date, service and "tc3_request".
 */
export interface Tc3Request {
  host: string;
  service: string;
  body: string;
  /** Unix seconds. */
  timestamp: number;
  secretId: string;
  secretKey: string;
}

const CONTENT_TYPE = 'application/json; charset=utf-8';
const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

export function tc3Signature(r: Omit<Tc3Request, 'secretId'>): string {
  const date = new Date(r.timestamp * 1000).toISOString().slice(0, 10);
  const canonical = ['POST', '/', '', `content-type:${CONTENT_TYPE}\nhost:${r.host}\n`, 'content-type;host', sha256hex(r.body)].join('\n');
  const scope = `${date}/${r.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(r.timestamp), scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(`TC3${r.secretKey}`, date), r.service), 'tc3_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/**
 * The headers of a signed request (add X-TC-Action, X-TC-Version, X-TC-Region). `Host` is
 * signed but not set here: fetch sends it from the URL.
 */
export function tc3Headers(r: Tc3Request): Record<string, string> {
  const date = new Date(r.timestamp * 1000).toISOString().slice(0, 10);
  return {
    'content-type': CONTENT_TYPE,
    'x-tc-timestamp': String(r.timestamp),
    authorization: `TC3-HMAC-SHA256 Credential=${r.secretId}/${date}/${r.service}/tc3_request, SignedHeaders=content-type;host, Signature=${tc3Signature(r)}`,
  };
}
