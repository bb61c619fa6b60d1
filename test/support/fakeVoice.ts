import type { IncomingHttpHeaders } from 'node:http';
import { aliyunSignature } from '../../src/channels/aliyunRpc.js';
import { tc3Signature } from '../../src/channels/tc3.js';

/**
 * The voice side of the provider fakes: what Aliyun Dyvms and Tencent VMS would refuse in a
 * request (every parameter, not only the signature), and the receipts they push back.
 */
export type Callee = 'press1' | 'answer' | 'off' | 'no-answer' | 'busy' | 'vacant' | 'suspended';
export type ReceiptSink = (endpoint: Push['endpoint'], body: unknown) => Promise<number>;
export interface Push {
  endpoint: 'aliyun-voice' | 'aliyun-sms' | 'tencent-voice';
  body: unknown;
  at: number;
  status: number;
}

const COMMON = ['AccessKeyId', 'Action', 'Format', 'RegionId', 'SignatureMethod', 'SignatureNonce', 'SignatureVersion', 'Timestamp', 'Version'];

/** Aliyun RPC common parameters and signature (every product). */
export function checkAliyunCommon(query: Record<string, string>, id: string, secret: string): string | null {
  const { Signature, ...params } = query;
  if (!Signature) return 'missing Signature';
  for (const f of COMMON) if (!params[f]) return `missing ${f}`;
  if (params.AccessKeyId !== id) return 'unknown AccessKeyId';
  if (params.Version !== '2017-05-25' || params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0' || params.Format !== 'JSON')
    return 'wrong version, format or method';
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(params.Timestamp!) || Math.abs(Date.parse(params.Timestamp!) - Date.now()) > 15 * 60_000)
    return 'Timestamp not ISO 8601 UTC within 15 minutes';
  if (aliyunSignature('GET', params, secret) !== Signature) return 'SignatureDoesNotMatch';
  return null;
}

const TEMPLATE_VARS = ['level', 'notice', 'township'];

/** The approved speech template takes exactly township, level and notice, as strings. */
function checkTts(json: string | undefined, field: string): string | null {
  let v: unknown;
  try {
    v = JSON.parse(json ?? '');
  } catch {
    return `${field} is not JSON`;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `${field} is not an object`;
  const keys = Object.keys(v).sort();
  if (keys.join() !== TEMPLATE_VARS.join()) return `${field} has ${keys.join()}, the template takes ${TEMPLATE_VARS.join()}`;
  if (Object.values(v).some((x) => typeof x !== 'string' || x.length === 0 || x.length > 40)) return `${field} values must be 1–40 characters`;
  return null;
}

const ALLOWED: Record<string, { required: string[]; optional: string[] }> = {
  SingleCallByTts: { required: ['CalledNumber', 'TtsCode', 'TtsParam'], optional: ['CalledShowNumber', 'PlayTimes', 'Volume', 'Speed', 'OutId'] },
  IvrCall: {
    required: ['CalledShowNumber', 'CalledNumber', 'StartCode', 'StartTtsParams', 'Timeout', 'MenuKeyMap.1.Key', 'MenuKeyMap.1.Code'],
    optional: ['PlayTimes', 'ByeCode', 'ByeTtsParams', 'OutId', 'MenuKeyMap.1.TtsParams'],
  },
};

export function checkAliyunCall(query: Record<string, string>, id: string, secret: string): string | null {
  const common = checkAliyunCommon(query, id, secret);
  if (common) return common;
  const spec = ALLOWED[query.Action!]!;
  for (const f of spec.required) if (!query[f]) return `missing ${f}`;
  const known = new Set([...COMMON, 'Signature', ...spec.required, ...spec.optional]);
  const unknown = Object.keys(query).find((k) => !known.has(k));
  if (unknown) return `unknown parameter ${unknown}`;
  if (!/^1\d{10}$/.test(query.CalledNumber!)) return 'CalledNumber must be a mainland mobile without +86';
  if (query.PlayTimes && !/^[1-3]$/.test(query.PlayTimes)) return 'PlayTimes must be 1–3';
  if (query.OutId && query.OutId.length > 64) return 'OutId over 64 characters';
  if (query.Action === 'IvrCall') {
    if (!/^\d+$/.test(query.Timeout!)) return 'Timeout must be milliseconds';
    if (!/^[0-9*#]$/.test(query['MenuKeyMap.1.Key']!)) return 'MenuKeyMap.1.Key must be one key';
    return checkTts(query.StartTtsParams, 'StartTtsParams');
  }
  return checkTts(query.TtsParam, 'TtsParam');
}

const TENCENT_FIELDS = ['TemplateId', 'TemplateParamSet', 'CalledNumber', 'VoiceSdkAppid', 'PlayTimes', 'SessionContext'];

export function checkTencentCall(headers: IncomingHttpHeaders, body: string, json: any, id: string, key: string): string | null {
  const auth = String(headers.authorization ?? '');
  const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d\d-\d\d)\/vms\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'Authorization is not TC3-HMAC-SHA256 for vms';
  if (m[1] !== id) return 'unknown SecretId';
  const timestamp = Number(headers['x-tc-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(timestamp * 1000 - Date.now()) > 5 * 60_000) return 'X-TC-Timestamp missing or off by more than 5 minutes';
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== m[2]) return 'credential date is not the timestamp date';
  if (headers['content-type'] !== 'application/json; charset=utf-8') return 'content-type must be application/json; charset=utf-8';
  if (tc3Signature({ host: String(headers.host), service: 'vms', body, timestamp, secretKey: key }) !== m[3]) return 'AuthFailure.SignatureFailure';
  if (headers['x-tc-action'] !== 'SendTtsVoice' || headers['x-tc-version'] !== '2020-09-02' || !headers['x-tc-region'])
    return 'X-TC-Action, X-TC-Version or X-TC-Region wrong';
  if (!json || typeof json !== 'object') return 'body is not a JSON object';
  const unknown = Object.keys(json).find((k) => !TENCENT_FIELDS.includes(k));
  if (unknown) return `unknown field ${unknown}`;
  if (typeof json.TemplateId !== 'string' || typeof json.VoiceSdkAppid !== 'string') return 'TemplateId and VoiceSdkAppid are strings';
  if (!/^\+861\d{10}$/.test(json.CalledNumber)) return 'CalledNumber must be E.164 (+86…)';
  if (!Array.isArray(json.TemplateParamSet) || json.TemplateParamSet.length !== 3 || json.TemplateParamSet.some((x: unknown) => typeof x !== 'string' || !x))
    return 'TemplateParamSet must be the 3 template values';
  if (!Number.isInteger(json.PlayTimes) || json.PlayTimes < 1 || json.PlayTimes > 3) return 'PlayTimes must be 1–3';
  return null;
}

const ALIYUN_RESULT: Record<Callee, [string, string]> = {
  press1: ['200000', '用户听完挂断'],
  answer: ['200000', '用户听完挂断'],
  'no-answer': ['200002', '用户未接听'],
  busy: ['200003', '用户忙'],
  off: ['200005', '用户关机'],
  vacant: ['200010', '空号'],
  suspended: ['200011', '停机'],
};
const TENCENT_FAILURE: Partial<Record<Callee, string>> = { off: '用户关机', vacant: '空号', suspended: '停机', busy: '用户忙' };

const beijing = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** The receipts a provider pushes after a call, in its own format. */
export function voiceReceipts(provider: 'aliyun' | 'tencent', callee: Callee, c: { callId: string; outId: string; number: string; ivr: boolean }): unknown[] {
  const now = Date.now();
  if (provider === 'aliyun') {
    const [code, msg] = ALIYUN_RESULT[callee];
    const answered = code === '200000';
    return [
      [
        {
          call_id: c.callId,
          out_id: c.outId,
          callee: c.number,
          caller: '05634012345',
          start_time: beijing(now - 20_000),
          end_time: beijing(now),
          duration: answered ? 20 : 0,
          status_code: code,
          status_msg: msg,
          hangup_direction: answered ? 1 : 2,
          toll_type: 'LOCAL',
          ...(c.ivr && answered ? { dtmf: callee === 'press1' ? '1' : '' } : {}),
        },
      ],
    ];
  }
  const base = { callid: c.callId, mobile: c.number, nationcode: '86', call_from: '' };
  if (TENCENT_FAILURE[callee]) return [{ voice_failure_callback: { ...base, failure_code: '8', failure_reason: TENCENT_FAILURE[callee] } }];
  const prompt = {
    voiceprompt_callback: {
      ...base,
      result: callee === 'no-answer' ? '1' : '0',
      accept_time: String(Math.floor(now / 1000) - 20),
      start_calltime: String(Math.floor(now / 1000) - 25),
      end_calltime: String(Math.floor(now / 1000)),
      fee: '1',
    },
  };
  return callee === 'press1' ? [{ voicekey_callback: { ...base, keypress: '1' } }, prompt] : [prompt];
}

/** Aliyun SmsReport of one message: delivered, or the operator's reason. */
export function smsReport(callee: Callee, s: { bizId: string; outId: string; number: string }): unknown {
  const failed = callee === 'off' || callee === 'vacant' || callee === 'suspended';
  const now = Date.now();
  return [
    {
      phone_number: s.number,
      send_time: beijing(now - 2_000),
      report_time: beijing(now),
      success: !failed,
      err_code: failed ? 'MK:0001' : 'DELIVERED',
      err_msg: failed ? ALIYUN_RESULT[callee][1] : '用户接收成功',
      sms_size: '1',
      biz_id: s.bizId,
      out_id: s.outId,
    },
  ];
}
