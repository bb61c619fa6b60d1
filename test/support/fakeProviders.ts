import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dingtalkSign } from '../../src/channels/dingtalk.js';
import { verifyWebhookSignature } from '../../src/channels/webhook.js';
import { checkAliyunCall, checkAliyunCommon, checkTencentCall, voiceReceipts, smsReport, type Callee, type ReceiptSink, type Push } from './fakeVoice.js';

/**
 * Local stand-ins for the providers, checking the real wire format and signatures:
 *   POST /hook/<id>                    webhook receiver (X-Fangxun-Signature checked)
 *   POST /cgi-bin/webhook/send?key=    企业微信 robot (markdown, errcode)
 *   POST /robot/send?access_token=…    钉钉 robot (timestamp + sign checked)
 *   GET  /?Action=SendSms&…            Aliyun SendSms (RPC signature recomputed)
 *   POST /sms                          generic HTTP SMS gateway (bearer checked)
 *   GET  /?Action=SingleCallByTts|IvrCall  Aliyun Dyvms calls (signature, every parameter, per-number limits)
 *   POST / with X-TC-Action: SendTtsVoice  Tencent VMS (TC3-HMAC-SHA256 recomputed, every field)
 * With `pushReceiptsTo(sink)`, each accepted call and SMS is followed by the provider's
 * receipt, in its own format, as the callee behaves (`callee(number, 'off')`…).
 * `failNext(route, mode, n)` makes the next n requests of a route fail: HTTP 500, hang
 * (never answer), drop (close the socket) or errcode (200 with a provider error).
 */
export type Route = 'hook' | 'wecom' | 'dingtalk' | 'aliyun' | 'sms' | 'aliyun-voice' | 'tencent';
export type FailMode = '500' | 'hang' | 'drop' | 'errcode';

export interface Received {
  route: Route;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
  ok: boolean;
  problem?: string;
  /** When it arrived (ms). */
  at: number;
}

export const FAKE_SECRETS = {
  webhook: 'hook-secret',
  dingtalk: 'ding-secret',
  aliyunId: 'LTAI-test',
  aliyunSecret: 'aliyun-secret',
  smsToken: 'sms-token',
  tencentId: 'AKID-test',
  tencentKey: 'tencent-secret',
};

export interface FakeProviders {
  url: string;
  received: Received[];
  failNext(route: Route, mode: FailMode, n?: number): void;
  of(route: Route): Received[];
  /** Calls placed (accepted by a provider), in order. */
  calls: Array<{ number: string; at: number; provider: 'aliyun' | 'tencent'; action: string; callId: string }>;
  /** How a number behaves when called (default: answers without a key) or texted (sms: delivered). */
  callee(number: string, behaviour: Callee): void;
  /** Pushes the providers' receipts to `sink` from now on; every push is kept in `pushes`. */
  pushReceiptsTo(sink: ReceiptSink): void;
  pushes: Push[];
  close(): Promise<void>;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const received: Received[] = [];
  const failures: Array<{ route: Route; mode: FailMode; left: number }> = [];
  const sockets = new Set<Socket>();
  const calls: FakeProviders['calls'] = [];
  const callees = new Map<string, Callee>();
  const pushes: Push[] = [];
  let sink: ReceiptSink | null = null;
  const push = (endpoint: Push['endpoint'], bodies: unknown[]) => {
    if (!sink) return;
    const to = sink;
    setTimeout(async () => {
      for (const body of bodies) {
        const entry: Push = { endpoint, body, at: Date.now(), status: 0 };
        pushes.push(entry);
        entry.status = await to(endpoint, body);
      }
    }, 30);
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const route: Route | null = url.pathname.startsWith('/hook/')
      ? 'hook'
      : url.pathname === '/cgi-bin/webhook/send'
        ? 'wecom'
        : url.pathname === '/robot/send'
          ? 'dingtalk'
          : url.pathname === '/' && query.Action === 'SendSms'
            ? 'aliyun'
            : url.pathname === '/' && (query.Action === 'SingleCallByTts' || query.Action === 'IvrCall')
              ? 'aliyun-voice'
              : url.pathname === '/' && req.headers['x-tc-action']
                ? 'tencent'
                : url.pathname === '/sms'
                  ? 'sms'
                  : null;
    let parsed: any = null;
    try {
      parsed = body ? JSON.parse(body) : null;
    } catch {
      /* not JSON */
    }
    const entry: Received = { route: route ?? 'hook', path: url.pathname, query, headers: req.headers, body, json: parsed, ok: true, at: Date.now() };
    const problem = route ? check(route, entry) : `unknown route ${req.method} ${url.pathname}`;
    if (problem) {
      entry.ok = false;
      entry.problem = problem;
    }
    received.push(entry);
    const failure = failures.find((f) => f.route === route && f.left > 0);
    if (failure) {
      failure.left--;
      if (failure.mode === 'hang') return; // never answer
      if (failure.mode === 'drop') return req.socket.destroy();
      if (failure.mode === '500') return send(res, 500, { error: 'provider down' });
      if (route === 'tencent') return send(res, 200, { Response: { Error: { Code: 'LimitExceeded', Message: '频率限制' }, RequestId: 'req' } });
      return send(
        res,
        200,
        route === 'aliyun' || route === 'aliyun-voice'
          ? { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发流控' }
          : { errcode: 45009, errmsg: 'api freq out of limit' },
      );
    }
    if (problem && route === 'tencent')
      return send(res, 200, { Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: problem }, RequestId: 'req' } });
    if (problem)
      return send(
        res,
        route === 'aliyun' || route === 'aliyun-voice' ? 400 : 401,
        route === 'aliyun' || route === 'aliyun-voice' ? { Code: 'SignatureDoesNotMatch', Message: problem } : { errcode: 310000, errmsg: problem },
      );
    if (route === 'aliyun-voice' || route === 'tencent') {
      const number = route === 'tencent' ? String(entry.json.CalledNumber).replace(/^\+86/, '') : query.CalledNumber!;
      // The provider's own per-number limit: a second call within a minute is refused.
      if (calls.some((c) => c.number === number && Date.now() - c.at < 60_000)) {
        entry.ok = false;
        entry.problem = `limit: a second call to ${number} within 60 s`;
        return send(
          res,
          200,
          route === 'tencent'
            ? { Response: { Error: { Code: 'LimitExceeded.PhoneNumberLimit', Message: entry.problem }, RequestId: 'req' } }
            : { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: entry.problem },
        );
      }
      const callId = `call-${received.length}`;
      const provider = route === 'tencent' ? 'tencent' : 'aliyun';
      calls.push({ number, at: Date.now(), provider, action: route === 'tencent' ? 'SendTtsVoice' : query.Action!, callId });
      const ivr = route === 'tencent' || query.Action === 'IvrCall';
      push(
        route === 'tencent' ? 'tencent-voice' : 'aliyun-voice',
        voiceReceipts(provider, callees.get(number) ?? 'answer', { callId, outId: query.OutId ?? '', number, ivr }),
      );
      if (route === 'tencent')
        return send(res, 200, { Response: { SendStatus: { CallId: callId, SessionContext: entry.json.SessionContext ?? '' }, RequestId: 'req' } });
      return send(res, 200, { Code: 'OK', Message: 'OK', CallId: callId, RequestId: 'req' });
    }
    if (route === 'aliyun') {
      const bizId = `biz-${received.length}`;
      push('aliyun-sms', [smsReport(callees.get(query.PhoneNumbers!) ?? 'answer', { bizId, outId: query.OutId ?? '', number: query.PhoneNumbers! })]);
      return send(res, 200, { Code: 'OK', Message: 'OK', BizId: bizId, RequestId: 'req' });
    }
    if (route === 'wecom' || route === 'dingtalk') return send(res, 200, { errcode: 0, errmsg: 'ok' });
    return send(res, 200, { ok: true });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    of: (route) => received.filter((r) => r.route === route),
    calls,
    callee: (number, behaviour) => void callees.set(number.replace(/^\+?86/, ''), behaviour),
    pushReceiptsTo(to) {
      sink = to;
    },
    pushes,
    failNext(route, mode, n = 1) {
      failures.push({ route, mode, left: n });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** What is wrong with a request, by the provider's rules, or null. */
function check(route: Route, r: Received): string | null {
  switch (route) {
    case 'hook': {
      const ts = String(r.headers['x-fangxun-timestamp'] ?? '');
      const sig = String(r.headers['x-fangxun-signature'] ?? '');
      if (!verifyWebhookSignature(FAKE_SECRETS.webhook, ts, r.body, sig)) return 'bad webhook signature';
      for (const f of ['alertId', 'townshipId', 'level', 'personId', 'role', 'text', 'ackUrl', 'deadline']) if (!(f in (r.json ?? {}))) return `missing ${f}`;
      return null;
    }
    case 'wecom':
      if (!r.query.key) return 'missing key';
      if (r.json?.msgtype !== 'markdown' || typeof r.json?.markdown?.content !== 'string') return 'not a markdown message';
      if (Buffer.byteLength(r.json.markdown.content) > 4096) return 'markdown content over 4096 bytes';
      return null;
    case 'dingtalk': {
      const { timestamp, sign } = r.query;
      if (!timestamp || !sign) return 'missing timestamp or sign';
      if (Math.abs(Date.now() - Number(timestamp)) > 3_600_000) return 'timestamp too old';
      if (sign !== dingtalkSign(FAKE_SECRETS.dingtalk, timestamp)) return 'bad sign';
      if (r.json?.msgtype !== 'markdown' || !r.json?.markdown?.title || !r.json?.markdown?.text) return 'not a markdown message';
      return null;
    }
    case 'aliyun': {
      const common = checkAliyunCommon(r.query, FAKE_SECRETS.aliyunId, FAKE_SECRETS.aliyunSecret);
      if (common) return common;
      for (const f of ['PhoneNumbers', 'SignName', 'TemplateCode', 'TemplateParam']) if (!r.query[f]) return `missing ${f}`;
      // Aliyun's default limit on a template variable: 35 characters (isv.PARAM_LENGTH_LIMIT).
      for (const [k, v] of Object.entries(JSON.parse(r.query.TemplateParam!) as Record<string, unknown>))
        if (typeof v !== 'string' || [...v].length > 35) return `isv.PARAM_LENGTH_LIMIT ${k}`;
      return null;
    }
    case 'aliyun-voice':
      return checkAliyunCall(r.query, FAKE_SECRETS.aliyunId, FAKE_SECRETS.aliyunSecret);
    case 'tencent':
      return checkTencentCall(r.headers, r.body, r.json, FAKE_SECRETS.tencentId, FAKE_SECRETS.tencentKey);
    case 'sms':
      if (r.headers.authorization !== `Bearer ${FAKE_SECRETS.smsToken}`) return 'bad token';
      if (!r.json?.phone || !r.json?.text) return 'missing phone or text';
      return null;
  }
}
