import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { aliyunSignature } from '../../src/channels/sms.js';
import { dingtalkSign } from '../../src/channels/dingtalk.js';
import { verifyWebhookSignature } from '../../src/channels/webhook.js';

/**
 * Local stand-ins for the providers, checking the real wire format and signatures:
 *   POST /hook/<id>                    webhook receiver (X-Fangxun-Signature checked)
 *   POST /cgi-bin/webhook/send?key=    企业微信 robot (markdown, errcode)
 *   POST /robot/send?access_token=…    钉钉 robot (timestamp + sign checked)
 *   GET  /?Action=SendSms&…            Aliyun SendSms (RPC signature recomputed)
 *   POST /sms                          generic HTTP SMS gateway (bearer checked)
 * `failNext(route, mode, n)` makes the next n requests of a route fail: HTTP 500, hang
 * (never answer), drop (close the socket) or errcode (200 with a provider error).
 */
export type Route = 'hook' | 'wecom' | 'dingtalk' | 'aliyun' | 'sms';
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
}

export const FAKE_SECRETS = { webhook: 'hook-secret', dingtalk: 'ding-secret', aliyunId: 'LTAI-test', aliyunSecret: 'aliyun-secret', smsToken: 'sms-token' };

export interface FakeProviders {
  url: string;
  received: Received[];
  failNext(route: Route, mode: FailMode, n?: number): void;
  of(route: Route): Received[];
  close(): Promise<void>;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const received: Received[] = [];
  const failures: Array<{ route: Route; mode: FailMode; left: number }> = [];
  const sockets = new Set<Socket>();

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
            : url.pathname === '/sms'
              ? 'sms'
              : null;
    let parsed: any = null;
    try {
      parsed = body ? JSON.parse(body) : null;
    } catch {
      /* not JSON */
    }
    const entry: Received = { route: route ?? 'hook', path: url.pathname, query, headers: req.headers, body, json: parsed, ok: true };
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
      return send(res, 200, route === 'aliyun' ? { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发流控' } : { errcode: 45009, errmsg: 'api freq out of limit' });
    }
    if (problem) return send(res, route === 'aliyun' ? 400 : 401, route === 'aliyun' ? { Code: 'SignatureDoesNotMatch', Message: problem } : { errcode: 310000, errmsg: problem });
    if (route === 'aliyun') return send(res, 200, { Code: 'OK', Message: 'OK', BizId: `biz-${received.length}`, RequestId: 'req' });
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
      const { Signature, ...params } = r.query;
      if (!Signature) return 'missing Signature';
      if (params.AccessKeyId !== FAKE_SECRETS.aliyunId) return 'unknown AccessKeyId';
      for (const f of ['Action', 'Version', 'Format', 'PhoneNumbers', 'SignName', 'TemplateCode', 'TemplateParam', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'RegionId']) {
        if (!params[f]) return `missing ${f}`;
      }
      if (params.Version !== '2017-05-25' || params.SignatureMethod !== 'HMAC-SHA1') return 'wrong version or method';
      if (aliyunSignature('GET', params, FAKE_SECRETS.aliyunSecret) !== Signature) return 'SignatureDoesNotMatch';
      // Aliyun's default limit on a template variable: 35 characters (isv.PARAM_LENGTH_LIMIT).
      const vars = JSON.parse(params.TemplateParam!) as Record<string, unknown>;
      for (const [k, v] of Object.entries(vars)) if (typeof v !== 'string' || [...v].length > 35) return `isv.PARAM_LENGTH_LIMIT ${k}`;
      return null;
    }
    case 'sms':
      if (r.headers.authorization !== `Bearer ${FAKE_SECRETS.smsToken}`) return 'bad token';
      if (!r.json?.phone || !r.json?.text) return 'missing phone or text';
      return null;
  }
}
