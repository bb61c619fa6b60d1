import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDataset, startService, testConfig, type TestService } from './helpers.js';
import { startFakeProviders, FAKE_SECRETS, type FakeProviders } from './support/fakeProviders.js';
import { AliyunSms, HttpSms, SmsChannel } from '../src/channels/sms.js';
import { hashSecret } from '../src/auth/credentials.js';
import { normalisePhone } from '../src/auth/signInCodes.js';

/**
 * Board sign-in with a phone number and a 6-digit code by SMS: wrong, expired, reused and
 * exhausted codes, unknown numbers answered alike, limits per number and per address; sessions
 * that last the configured shift and end at sign-out.
 */
let svc: TestService;
let fake: FakeProviders;
const DUTY_PHONE = '13900000007';
const SESSION_HOURS = 20;
beforeAll(async () => {
  fake = await startFakeProviders();
  const channels = new Map([['sms', new SmsChannel([new HttpSms('gateway', `${fake.url}/sms`, FAKE_SECRETS.smsToken, 2_000)])]]);
  const config = testConfig((c) => {
    c.service.signIn = { sessionLength: SESSION_HOURS * 3_600_000, codeTtl: 5 * 60_000, codeAttempts: 3, codesPerPhone: 6, codesPerAddress: 40 };
  });
  svc = await startService({ config, channels });
  const data = alertDataset('http://hooks.test');
  (data.people.find((p) => p.id === 'p-duty')!.contacts ??= []).push({ channel: 'sms', to: `+86 ${DUTY_PHONE}` });
  data.people.push({ id: 'p-nobody', name: '无角色者', contacts: [{ channel: 'sms', to: '13900000099' }] });
  await svc.importData(data);
});
afterAll(async () => {
  await svc.close();
  await fake.close();
});

const app = () => svc.runtime.app;
const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  app().request(path, { method: 'POST', body: new URLSearchParams(fields), headers });
const smsTo = (phone: string) => fake.of('sms').filter((r) => normalisePhone(String(r.json?.phone)) === phone);
const lastCode = (phone: string) => /验证码：(\d{6})/.exec(String(smsTo(phone).at(-1)?.json?.text))?.[1];
async function askCode(phone: string) {
  const before = smsTo(phone).length;
  const res = await form('/board/login/code', { phone });
  await svc.runtime.services.signIn.settled(); // the SMS goes out after the answer
  return { status: res.status, html: await res.text(), sent: smsTo(phone).length - before };
}
/** The page's text without the number itself, to compare answers for different numbers. */
const shape = (html: string) => html.replace(/\d{3}\*{4}\d{4}/g, 'N').replace(/value="\d+"/g, 'value="N"');

describe('sign-in by a code sent by SMS', () => {
  it('signs a duty officer in; the header shows their name, never an id', async () => {
    const asked = await askCode(DUTY_PHONE);
    expect(asked.status).toBe(200);
    expect(asked.sent).toBe(1);
    expect(asked.html).toContain('验证码已通过短信发送，5分钟内有效');
    const text = String(smsTo(DUTY_PHONE).at(-1)!.json.text);
    expect(text).toMatch(/^防汛值守登录验证码：\d{6}，5分钟内有效/);
    const res = await form('/board/login/verify', { phone: DUTY_PHONE, code: lastCode(DUTY_PHONE)! });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/board');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`Max-Age=${SESSION_HOURS * 3600}`));
    const board = await app().request('/board', { headers: { cookie: cookie.split(';')[0]! } });
    expect(board.status).toBe(200);
    const html = await board.text();
    expect(html).toContain('值班员乙（值班人员）');
    expect(html).not.toContain('p-duty');
  });

  it('gives an unknown number, and a known one without a board role, the same answer and sends nothing', async () => {
    const known = await askCode(DUTY_PHONE);
    const unknown = await askCode('13700000000');
    const noRole = await askCode('13900000099');
    expect(known.sent).toBe(1);
    expect([unknown.sent, noRole.sent]).toEqual([0, 0]);
    expect([unknown.status, noRole.status]).toEqual([known.status, known.status]);
    expect(shape(unknown.html)).toBe(shape(known.html));
    expect(shape(noRole.html)).toBe(shape(known.html));
    // Nothing to verify for them: a guessed code is the same failure as an expired one.
    expect((await form('/board/login/verify', { phone: '13700000000', code: '123456' })).status).toBe(401);
  });

  it('refuses a wrong code, keeps the right one working within the attempts, and never twice', async () => {
    await askCode(DUTY_PHONE);
    const code = lastCode(DUTY_PHONE)!;
    const wrong = await form('/board/login/verify', { phone: DUTY_PHONE, code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('验证码不正确');
    expect((await form('/board/login/verify', { phone: DUTY_PHONE, code })).status).toBe(302);
    const reuse = await form('/board/login/verify', { phone: DUTY_PHONE, code });
    expect(reuse.status).toBe(401);
    expect(await reuse.text()).toContain('验证码已失效或已使用');
  });

  it('voids a code after the configured wrong attempts, even for the right code after them', async () => {
    await askCode(DUTY_PHONE);
    const code = lastCode(DUTY_PHONE)!;
    const bad = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) expect((await form('/board/login/verify', { phone: DUTY_PHONE, code: bad })).status).toBe(401);
    const late = await form('/board/login/verify', { phone: DUTY_PHONE, code });
    expect(late.status).toBe(401);
    expect(await late.text()).toContain('输错次数过多');
  });

  it('stores only a salted hash of the code, which expires after codeTtl', async () => {
    await askCode(DUTY_PHONE);
    const code = lastCode(DUTY_PHONE)!;
    const { redis, keys } = svc.runtime.services;
    const key = keys.signInCode(hashSecret(`phone:${DUTY_PHONE}`));
    const stored = await redis.hgetall(key);
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(stored.hash, 'the code was sent and stored').toBe(hashSecret(`${stored.salt}:${code}`));
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    await redis.pexpire(key, 1); // five minutes pass
    await new Promise((r) => setTimeout(r, 20));
    const res = await form('/board/login/verify', { phone: DUTY_PHONE, code });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('验证码已失效');
  });

  it('answers without waiting for the SMS provider, so a known number takes no longer than an unknown one', async () => {
    fake.failNext('sms', 'hang'); // the gateway never answers; the channel gives up after its 2 s timeout
    const res = await form('/board/login/code', { phone: '13800000001' }); // 市领导甲, a liaison leader
    expect(res.status).toBe(200);
    const sending = svc.runtime.services.signIn.settled().then(() => 'sent');
    expect(await Promise.race([sending, new Promise((r) => setTimeout(() => r('pending'), 200))])).toBe('pending');
    expect(await sending).toBe('sent');
  });

  it('limits codes per number, known or not alike, with Retry-After', async () => {
    const phones = ['13600000001', DUTY_PHONE];
    for (const phone of phones) {
      let status = 200;
      let n = 0;
      while (status === 200 && n < 10) {
        status = (await askCode(phone)).status;
        n++;
      }
      expect(status).toBe(429);
    }
    const res = await form('/board/login/code', { phone: '13600000001' });
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.text()).toContain('获取验证码过于频繁');
    expect((await form('/board/login/code', { phone: 'abc' })).status).toBe(400);
  });

  it('limits codes per client address', async () => {
    // In-process requests share one address; the earlier tests used part of its 40.
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) status = (await askCode(`135000000${String(i).padStart(2, '0')}`)).status;
    expect(status).toBe(429);
  });
});

describe('sign-in codes by Aliyun SMS', () => {
  const aliyun = (signInTemplateCode?: string) =>
    new AliyunSms(
      'aliyun',
      {
        baseUrl: fake.url,
        regionId: 'cn-hangzhou',
        accessKeyId: FAKE_SECRETS.aliyunId,
        accessKeySecret: FAKE_SECRETS.aliyunSecret,
        signName: '宁国防汛',
        templateCode: 'SMS_ALERT',
        ...(signInTemplateCode ? { signInTemplateCode } : {}),
      },
      2_000,
    );
  const message = {
    messageId: 'signin:x',
    alertId: '',
    townshipId: '',
    level: null,
    personId: 'p-duty',
    personName: '值班员乙',
    mobile: DUTY_PHONE,
    role: 'duty',
    title: '登录验证码',
    text: '防汛值守登录验证码：123456',
    markdown: '',
    ackUrl: null,
    deadline: null,
    params: { code: '123456', name: '值班员乙' },
    template: 'sign-in-code' as const,
  };

  it('go by the 验证码 template with the code alone, never by the alert template', async () => {
    const before = fake.of('aliyun').length;
    const sent = await aliyun('SMS_CODE').send(DUTY_PHONE, message);
    expect(sent.ok, sent.error).toBe(true);
    const req = fake.of('aliyun').slice(before)[0]!;
    expect(req.ok, req.problem).toBe(true); // signed as Aliyun checks it
    expect(req.query).toMatchObject({ TemplateCode: 'SMS_CODE', TemplateParam: '{"code":"123456"}' });
    const without = await aliyun().send(DUTY_PHONE, message);
    expect(without).toMatchObject({ ok: false, retryable: false });
    expect(fake.of('aliyun').length).toBe(before + 1); // nothing sent with the alert template
  });
});

describe('sign-out', () => {
  it('ends the session server-side and refuses a cross-site sign-out', async () => {
    const token = await svc.token('duty', 'p-duty');
    const res = await form('/board/login', { token });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect((await app().request('/board', { headers: { cookie } })).status).toBe(200);
    const cross = await app().request('/board/logout', { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect((await app().request('/board', { headers: { cookie } })).status).toBe(200);
    const out = await app().request('/board/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(302);
    expect((await app().request('/board', { headers: { cookie } })).status).toBe(302);
    expect((await app().request('/board/fragment', { headers: { cookie } })).status).toBe(401);
    // The token itself keeps working for API clients.
    expect((await svc.call('GET', '/v1/duty/now', { token })).status).toBe(200);
  });
});
