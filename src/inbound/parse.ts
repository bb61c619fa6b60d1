import { createHash } from 'node:crypto';
import { outcomeFromText, type ReceiptFact, type ReceiptOutcome } from '../domain/receipts.js';
import { AppError } from '../domain/errors.js';

/**
 * The providers' receipt formats, parsed into what the service acts on. Each receipt
 * carries a `key` (a hash of what makes it unique), because providers push the same
 * receipt again when they did not get our answer in time.
 *   aliyun-voice: VoiceReport / VoiceCallReport — a JSON array of `{ call_id, out_id,
 *                 status_code, status_msg, dtmf, … }` (status_code 200000: answered)
 *   aliyun-sms:   SmsReport `{ biz_id, out_id, success, err_code, err_msg, … }` and
 *                 SmsUp `{ phone_number, content, send_time, sequence_id, … }`
 *   tencent-voice: `{ voiceprompt_callback | voicekey_callback | voice_failure_callback: { callid, … } }`
 */
export const INBOUND_ENDPOINTS = ['aliyun-voice', 'aliyun-sms', 'tencent-voice'] as const;
export type InboundEndpoint = (typeof INBOUND_ENDPOINTS)[number];

export interface ParsedReceipt {
  kind: 'receipt';
  /** Lookup ids: our OutId, then `pm:<provider's id>`. */
  ids: string[];
  fact: ReceiptFact;
  keypress: string | null;
  key: string;
}

export interface ParsedReply {
  kind: 'reply';
  from: string;
  text: string;
  key: string;
}

/** A receipt body that is not what the provider's format says. */
export class InboundFormatError extends AppError<'invalid_receipt'> {
  constructor(message: string) {
    super('invalid_receipt', message);
  }
}

const hash = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

function items(body: unknown, what: string): Array<Record<string, unknown>> {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > 1000) throw new InboundFormatError(`${what}: expected a JSON array of 1–1000 receipts`);
  return list.map((x, i) => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new InboundFormatError(`${what}: item ${i} is not an object`);
    return x as Record<string, unknown>;
  });
}

function need(x: Record<string, unknown>, field: string, what: string, i: number): string {
  const v = str(x[field]).trim();
  if (!v) throw new InboundFormatError(`${what}: item ${i} has no ${field}`);
  return v;
}

const ids = (outId: string, providerId: string) => [...(outId ? [outId] : []), ...(providerId ? [`pm:${providerId}`] : [])];

/** Aliyun's call results: 200000 is answered; otherwise the status text names what happened. */
function aliyunCallOutcome(code: string, msg: string, dtmf: string): ReceiptOutcome {
  if (code === '200000') return dtmf.includes('1') ? 'keypress' : 'answered';
  return outcomeFromText(msg) ?? 'failed';
}

export function parseAliyunVoice(body: unknown): ParsedReceipt[] {
  const what = 'Aliyun VoiceReport';
  return items(body, what).map((x, i) => {
    const callId = need(x, 'call_id', what, i);
    const code = need(x, 'status_code', what, i);
    const msg = str(x.status_msg);
    const dtmf = str(x.dtmf);
    const outcome = aliyunCallOutcome(code, msg, dtmf);
    return {
      kind: 'receipt',
      ids: ids(str(x.out_id), callId),
      fact: { outcome, provider: 'aliyun', detail: `${code} ${msg}`.trim() },
      keypress: dtmf ? dtmf.slice(0, 1) : null,
      key: hash('aliyun-voice', callId, code, dtmf),
    };
  });
}

export function parseAliyunSms(body: unknown): Array<ParsedReceipt | ParsedReply> {
  const what = 'Aliyun SmsReport/SmsUp';
  return items(body, what).map((x, i): ParsedReceipt | ParsedReply => {
    if ('content' in x && !('biz_id' in x)) {
      const from = need(x, 'phone_number', what, i);
      const text = str(x.content);
      return { kind: 'reply', from, text, key: hash('aliyun-sms-up', from, str(x.sequence_id), str(x.send_time), text) };
    }
    const bizId = need(x, 'biz_id', what, i);
    if (!('success' in x)) throw new InboundFormatError(`${what}: item ${i} has no success`);
    const success = x.success === true || x.success === 'true';
    const err = `${str(x.err_code)} ${str(x.err_msg)}`.trim();
    const outcome: ReceiptOutcome = success ? 'delivered' : (outcomeFromText(err) ?? 'failed');
    return {
      kind: 'receipt',
      ids: ids(str(x.out_id), bizId),
      fact: { outcome, provider: 'aliyun', detail: err },
      keypress: null,
      key: hash('aliyun-sms', bizId, success, err),
    };
  });
}

/** Tencent's call result: 0 answered, 1 not answered, 2 failed. */
const TENCENT_RESULT: Record<string, ReceiptOutcome> = { '0': 'answered', '1': 'no-answer', '2': 'failed' };

export function parseTencentVoice(body: unknown): ParsedReceipt[] {
  const what = 'Tencent voice callback';
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InboundFormatError(`${what}: expected a JSON object`);
  const b = body as Record<string, Record<string, unknown> | undefined>;
  const [type, x] =
    (['voicekey_callback', 'voiceprompt_callback', 'voice_failure_callback'] as const)
      .map((t) => [t, b[t]] as const)
      .find(([, v]) => v && typeof v === 'object') ?? [];
  if (!type || !x) throw new InboundFormatError(`${what}: expected voiceprompt_callback, voicekey_callback or voice_failure_callback`);
  const callId = need(x, 'callid', what, 0);
  const pm = ids('', callId);
  if (type === 'voicekey_callback') {
    const key = need(x, 'keypress', what, 0);
    return [
      {
        kind: 'receipt',
        ids: pm,
        fact: { outcome: key === '1' ? 'keypress' : 'answered', provider: 'tencent', detail: `keypress ${key}` },
        keypress: key,
        key: hash(type, callId, key),
      },
    ];
  }
  if (type === 'voiceprompt_callback') {
    const result = need(x, 'result', what, 0);
    const outcome = TENCENT_RESULT[result] ?? 'failed';
    return [{ kind: 'receipt', ids: pm, fact: { outcome, provider: 'tencent', detail: `result ${result}` }, keypress: null, key: hash(type, callId, result) }];
  }
  const reason = `${str(x.failure_code)} ${str(x.failure_reason)}`.trim();
  return [
    {
      kind: 'receipt',
      ids: pm,
      fact: { outcome: outcomeFromText(reason) ?? 'failed', provider: 'tencent', detail: reason },
      keypress: null,
      key: hash(type, callId, reason),
    },
  ];
}

export function parseInbound(endpoint: InboundEndpoint, body: unknown): Array<ParsedReceipt | ParsedReply> {
  switch (endpoint) {
    case 'aliyun-voice':
      return parseAliyunVoice(body);
    case 'aliyun-sms':
      return parseAliyunSms(body);
    case 'tencent-voice':
      return parseTencentVoice(body);
  }
}

/** The answer each provider expects, or it pushes the receipt again. */
export function inboundAnswer(endpoint: InboundEndpoint): { code: 0; msg: string } | { result: 0; errmsg: string } {
  return endpoint === 'tencent-voice' ? { result: 0, errmsg: 'OK' } : { code: 0, msg: '接收成功' };
}
