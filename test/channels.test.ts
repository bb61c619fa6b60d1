import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProviders, FAKE_SECRETS, type FakeProviders } from './support/fakeProviders.js';
import { startFakeSmtp } from './support/fakeSmtp.js';
import { WebhookChannel, webhookSignature, verifyWebhookSignature } from '../src/channels/webhook.js';
import { WecomChannel } from '../src/channels/wecom.js';
import { DingtalkChannel, dingtalkSign } from '../src/channels/dingtalk.js';
import { AliyunSms, HttpSms, SmsChannel, aliyunSignature } from '../src/channels/sms.js';
import { EmailChannel } from '../src/channels/email.js';
import { createChannels } from '../src/channels/registry.js';
import { channelsConfigSchema } from '../src/channels/config.js';
import { sampleMessage } from './support/messages.js';

/** Each channel against a local server that checks the provider's wire format and signature. */
const message = sampleMessage;

let fake: FakeProviders;
beforeAll(async () => {
  fake = await startFakeProviders();
});
afterAll(() => fake.close());

describe('signatures (vectors computed independently with Python hmac/urllib)', () => {
  it('signs Aliyun RPC requests', () => {
    const params = {
      AccessKeyId: 'testid',
      Action: 'SendSms',
      Format: 'JSON',
      OutId: 'm1',
      PhoneNumbers: '13800000001',
      RegionId: 'cn-hangzhou',
      SignName: '宁国防汛',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_153055065',
      TemplateParam: '{"name":"市领导甲","level":"Ⅱ级(橙色)"}',
      Timestamp: '2026-07-05T06:00:00Z',
      Version: '2017-05-25',
    };
    expect(aliyunSignature('GET', params, 'testsecret')).toBe('8OT8cJ+i6lFqdEVLPiUC6n644zU=');
  });
  it('signs DingTalk robots and webhooks', () => {
    expect(dingtalkSign('SEC-test-secret', '1783245600000')).toBe('gUEIvfQI21a3qQ4K2jh99TJAu4mziFDUTb3QIB3Gosc=');
    expect(webhookSignature('hook-secret', '1783245600', '{"a":1}')).toBe('sha256=9858bd782660413a1959570bb11e2d55a67653f867ed9125cccfc5cd4f8efd1b');
    expect(
      verifyWebhookSignature('hook-secret', '1783245600', '{"a":1}', 'sha256=9858bd782660413a1959570bb11e2d55a67653f867ed9125cccfc5cd4f8efd1b', 1783245600_000),
    ).toBe(true);
    expect(
      verifyWebhookSignature('hook-secret', '1783245600', '{"a":2}', 'sha256=9858bd782660413a1959570bb11e2d55a67653f867ed9125cccfc5cd4f8efd1b', 1783245600_000),
    ).toBe(false);
    expect(
      verifyWebhookSignature('hook-secret', '1783245600', '{"a":1}', 'sha256=9858bd782660413a1959570bb11e2d55a67653f867ed9125cccfc5cd4f8efd1b', 1783249600_000),
    ).toBe(false); // too old
  });
});

describe('webhook', () => {
  it('posts the contract fields, signed', async () => {
    const r = await new WebhookChannel(FAKE_SECRETS.webhook, 2_000).send(`${fake.url}/hook/p-lead`, message);
    expect(r).toMatchObject({ ok: true, provider: 'webhook' });
    const got = fake.of('hook').at(-1)!;
    expect(got.ok).toBe(true);
    expect(got.json).toMatchObject({
      alertId: '341881001~1',
      townshipId: '341881001',
      level: 'II',
      personId: 'p-lead',
      role: 'liaison-leader',
      ackUrl: 'http://fangxun.test/a/x.y',
      deadline: '2026-07-05T06:10:00.000Z',
    });
    expect(got.json.text).toContain('西津街道已达到防汛Ⅱ级(橙色)应急响应');
  });

  it('says why it failed: 500 and drops are retryable, a wrong secret is not accepted', async () => {
    const ch = new WebhookChannel(FAKE_SECRETS.webhook, 500);
    fake.failNext('hook', '500');
    expect(await ch.send(`${fake.url}/hook/p-lead`, message)).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^HTTP 500/) });
    fake.failNext('hook', 'drop');
    expect(await ch.send(`${fake.url}/hook/p-lead`, message)).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/network error/) });
    fake.failNext('hook', 'hang');
    const started = Date.now();
    expect(await ch.send(`${fake.url}/hook/p-lead`, message)).toMatchObject({ ok: false, retryable: true, error: 'timed out after 500 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
    const wrong = await new WebhookChannel('not-the-secret', 2_000).send(`${fake.url}/hook/p-lead`, message);
    expect(wrong).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/^HTTP 401/) });
    expect(await ch.send('http://127.0.0.1:9/nothing', message)).toMatchObject({ ok: false, retryable: true });
  });
});

describe('WeCom and DingTalk robots', () => {
  it('sends markdown to the WeCom robot and treats errcode ≠ 0 as failure', async () => {
    const ch = new WecomChannel(fake.url, 2_000);
    expect(await ch.send('robot-key-1', message)).toMatchObject({ ok: true });
    const got = fake.of('wecom').at(-1)!;
    expect(got.query.key).toBe('robot-key-1');
    expect(got.json.markdown.content).toContain('### 【防汛Ⅱ级(橙色)应急响应】西津街道');
    expect(await ch.send(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-2`, message)).toMatchObject({ ok: true });
    expect(fake.of('wecom').at(-1)!.query.key).toBe('robot-key-2');
    fake.failNext('wecom', 'errcode');
    expect(await ch.send('robot-key-1', message)).toMatchObject({ ok: false, retryable: true, error: 'errcode 45009 api freq out of limit' });
  });

  it('signs DingTalk requests and @s the person', async () => {
    const ch = new DingtalkChannel(fake.url, () => FAKE_SECRETS.dingtalk, 2_000);
    expect(await ch.send('ding-token', message)).toMatchObject({ ok: true });
    const got = fake.of('dingtalk').at(-1)!;
    expect(got.ok).toBe(true);
    expect(got.json.at).toEqual({ atMobiles: ['13800000001'], isAtAll: false });
    expect(got.json.markdown.text).toContain('@13800000001');
    const unsigned = await new DingtalkChannel(fake.url, () => 'wrong', 2_000).send('ding-token', message);
    expect(unsigned.ok).toBe(false);
  });
});

describe('SMS', () => {
  const aliyun = (secret = FAKE_SECRETS.aliyunSecret) =>
    new AliyunSms(
      'aliyun',
      {
        baseUrl: fake.url,
        regionId: 'cn-hangzhou',
        accessKeyId: FAKE_SECRETS.aliyunId,
        accessKeySecret: secret,
        signName: '宁国防汛',
        templateCode: 'SMS_153055065',
      },
      1_000,
    );
  const gateway = () => new HttpSms('gateway', `${fake.url}/sms`, FAKE_SECRETS.smsToken, 1_000);

  it('sends through Aliyun with a valid signature and the template parameters', async () => {
    const r = await new SmsChannel([aliyun()]).send('+8613800000001', message);
    expect(r).toMatchObject({ ok: true, provider: 'aliyun', providerMessageId: expect.stringMatching(/^biz-/) });
    const got = fake.of('aliyun').at(-1)!;
    expect(got.ok).toBe(true);
    expect(got.query.PhoneNumbers).toBe('13800000001');
    expect(JSON.parse(got.query.TemplateParam!)).toMatchObject({ name: '市领导甲', township: '西津街道' });
    expect(await new SmsChannel([aliyun('wrong')]).send('+8613800000001', message)).toMatchObject({
      ok: false,
      error: expect.stringContaining('SignatureDoesNotMatch'),
    });
  });

  it('fails over to the next provider, reporting both', async () => {
    fake.failNext('aliyun', '500');
    const r = await new SmsChannel([aliyun(), gateway()]).send('+8613800000002', message);
    expect(r).toMatchObject({ ok: true, provider: 'gateway' });
    expect(r.tried).toEqual([
      { provider: 'aliyun', ok: false, error: expect.stringMatching(/HTTP 500/) },
      { provider: 'gateway', ok: true },
    ]);
    expect(fake.of('sms').at(-1)!.json).toMatchObject({ phone: '+8613800000002', messageId: message.messageId });
    fake.failNext('aliyun', 'errcode');
    fake.failNext('sms', 'hang');
    const both = await new SmsChannel([aliyun(), gateway()]).send('+8613800000002', message);
    expect(both).toMatchObject({ ok: false, retryable: true });
    expect(both.error).toMatch(/aliyun: isv.BUSINESS_LIMIT_CONTROL .*; gateway: timed out/);
  });
});

describe('email', () => {
  it('sends over SMTP with the Chinese subject and body intact', async () => {
    const smtp = await startFakeSmtp();
    try {
      const ch = new EmailChannel({
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        from: 'fangxun@ningguo.test',
        fromName: '宁国市防汛值守',
        timeout: 5_000,
      });
      const r = await ch.send('leader@ningguo.test', message);
      expect(r).toMatchObject({ ok: true, provider: 'smtp' });
      const mail = smtp.messages.at(-1)!;
      expect(mail.subject).toBe(message.title);
      expect(mail.text?.trim()).toBe(message.text);
      expect(mail.from?.value[0]).toMatchObject({ name: '宁国市防汛值守', address: 'fangxun@ningguo.test' });
      const down = await new EmailChannel({ host: '127.0.0.1', port: 9, secure: false, from: 'a@b.test', fromName: 'x', timeout: 1_000 }).send(
        'x@y.test',
        message,
      );
      expect(down).toMatchObject({ ok: false, retryable: true });
    } finally {
      await smtp.close();
    }
  });
});

describe('registry', () => {
  it('builds the configured channels, skipping those whose secrets are missing', () => {
    const warnings: string[] = [];
    const cfg = channelsConfigSchema.parse({
      wecom: { enabled: true },
      sms: {
        providers: [
          { type: 'aliyun', accessKeyIdEnv: 'AK_ID', accessKeySecretEnv: 'AK_SECRET', signName: 's', templateCode: 't' },
          { type: 'http', url: 'http://x.test/sms' },
        ],
      },
    });
    const channels = createChannels(cfg, { FANGXUN_WEBHOOK_SECRET: 'x' }, (w) => warnings.push(w));
    expect([...channels.keys()].sort()).toEqual(['sms', 'webhook', 'wecom']);
    expect(warnings).toEqual(['sms provider aliyun: environment variable AK_ID is not set', 'sms provider aliyun: environment variable AK_SECRET is not set']);
  });
});
