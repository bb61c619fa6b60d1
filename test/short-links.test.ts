import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, testConfig, waitFor, type TestService } from './helpers.js';
import { startFakeProviders, FAKE_SECRETS, type FakeProviders } from './support/fakeProviders.js';
import { AliyunSms, SmsChannel } from '../src/channels/sms.js';
import type { Channel } from '../src/channels/types.js';

/**
 * Short personal links `<publicUrl>/a/<code>` through a real Aliyun SendSms exchange (the fake
 * checks the RPC signature and Aliyun's 35-character limit per template variable): the
 * template gets the code alone, the code opens the page of that one person and alert,
 * expires with the link's TTL, and signed links sent before keep working.
 */
let svc: TestService;
let fake: FakeProviders;
const PUBLIC = 'https://fangxun.ningguo.example.cn';
beforeAll(async () => {
  fake = await startFakeProviders();
  const sms = new AliyunSms(
    'aliyun',
    {
      baseUrl: fake.url,
      regionId: 'cn-hangzhou',
      accessKeyId: FAKE_SECRETS.aliyunId,
      accessKeySecret: FAKE_SECRETS.aliyunSecret,
      signName: '宁国防汛',
      templateCode: 'SMS_153055065',
      templateParams: ['name', 'township', 'level', 'deadline', 'code'],
      paramMaxLength: 35,
    },
    2_000,
  );
  const config = testConfig((c) => {
    c.policy.publicUrl = PUBLIC;
    c.policy.levels.IV.ackWithin = 600_000;
  });
  svc = await startService({ config, workers: true, channels: new Map<string, Channel>([['sms', new SmsChannel([sms])]]) });
  await svc.importData(alertDataset('http://hooks.test'));
});
afterAll(async () => {
  await svc.close();
  await fake.close();
});

describe('short personal links', () => {
  it("go out as a code in the SMS template, open one person's page, and expire with the link", async () => {
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 35.9 } });
    const sent = await waitFor(async () => (fake.of('aliyun').length >= 2 ? fake.of('aliyun') : null), 8_000, 'two SMS');
    expect(sent.map((r) => r.problem ?? 'ok')).toEqual(['ok', 'ok']);
    const byPhone = new Map(sent.map((r) => [r.query.PhoneNumbers!, JSON.parse(r.query.TemplateParam!) as Record<string, string>]));
    const lead = byPhone.get('13800000001') as Record<string, string> & { code: string };
    const head = byPhone.get('13800000002') as Record<string, string> & { code: string };
    expect(Object.keys(lead).sort()).toEqual(['code', 'deadline', 'level', 'name', 'township']);
    expect(lead).toMatchObject({ name: '市领导甲', township: '西津街道', level: 'Ⅳ级(蓝色)' });
    expect(lead.code).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(head.code).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(head.code).not.toBe(lead.code);
    for (const v of [...Object.values(lead), ...Object.values(head)]) expect([...v].length).toBeLessThanOrEqual(35);

    // The code is kept server-side with the link's expiry (linkTtl, 7 days by default).
    const { redis, keys } = svc.runtime.services;
    const ttl = await redis.pttl(keys.answerLink(lead.code));
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);

    // The lead's code answers for the lead only.
    const alertId = (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId as string;
    const page = await svc.call('GET', `/a/${lead.code}`, { token: null });
    expect(page.status).toBe(200);
    expect(page.body).toContain('市领导甲');
    const ack = await svc.runtime.app.request(`/a/${lead.code}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) });
    expect(ack.status).toBe(200);
    const alert = (await svc.call('GET', `/v1/alerts/${alertId}`)).body;
    expect(alert.recipients.filter((r: any) => r.ackedAt !== null).map((r: any) => [r.personId, r.ackVia])).toEqual([['p-lead', 'link']]);

    // Unknown, malformed and expired codes are refused.
    expect((await svc.call('GET', '/a/AAAAAAAAAAAA', { token: null })).status).toBe(404);
    expect((await svc.call('GET', '/a/not*a*code', { token: null })).status).toBe(404);
    // A link cut short (forwarded, copied in part) says so, and what to do instead.
    const cut = await svc.call('GET', `/a/${lead.code.slice(0, 9)}`, { token: null });
    expect(cut.status).toBe(404);
    expect(cut.body).toContain('链接不完整');
    expect(cut.body).toContain('回复短信“1”确认收到');
    const short = await svc.runtime.services.links.issue({ alertId, personId: 'p-head', expiresAt: Date.now() + 300 });
    expect((await svc.call('GET', `/a/${short}`, { token: null })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    const expired = await svc.call('GET', `/a/${short}`, { token: null });
    expect(expired.status).toBe(404);
    expect(expired.body).toContain('链接已过期');
    expect(await redis.exists(keys.answerLink(short))).toBe(0);

    // A signed link sent before short codes existed still works.
    const signed = svc.runtime.services.links.signer.sign({ alertId, personId: 'p-head', expiresAt: Date.now() + 60_000 });
    const old = await svc.runtime.app.request(`/a/${signed}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) });
    expect(old.status).toBe(200);
    expect(await old.text()).toContain('确认成功');
  });
});
