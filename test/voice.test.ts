import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProviders, FAKE_SECRETS, type FakeProviders } from './support/fakeProviders.js';
import { startService, alertDataset, beijing, waitFor, testConfig, ADMIN_TOKEN, type TestService } from './helpers.js';
import { AliyunVoice, TencentVoice } from '../src/channels/voice/providers.js';
import { VoiceChannel } from '../src/channels/voice/channel.js';
import { tc3Signature } from '../src/channels/tc3.js';
import { createChannels } from '../src/channels/registry.js';
import { channelsConfigSchema } from '../src/channels/config.js';
import { sampleMessage } from './support/messages.js';
import type { AppConfig } from '../src/config/load.js';

/**
 * Calls (语音叫应) against local Aliyun Dyvms and Tencent VMS stand-ins that recompute the
 * signatures, check every parameter, enforce the per-number limit and push receipts back
 * into the service's receipt endpoints.
 */
const message = sampleMessage;

let fake: FakeProviders;
beforeAll(async () => {
  fake = await startFakeProviders();
});
afterAll(() => fake.close());

const aliyun = (secret = FAKE_SECRETS.aliyunSecret) =>
  new AliyunVoice(
    'aliyun-voice',
    {
      baseUrl: fake.url,
      regionId: 'cn-hangzhou',
      accessKeyId: FAKE_SECRETS.aliyunId,
      accessKeySecret: secret,
      calledShowNumber: '05634012345',
      ttsCode: 'TTS_1',
      confirmTtsCode: 'TTS_2',
      playTimes: 2,
      keyTimeout: 10_000,
    },
    1_000,
  );
const tencent = (key = FAKE_SECRETS.tencentKey) =>
  new TencentVoice(
    'tencent-voice',
    {
      baseUrl: fake.url,
      region: 'ap-guangzhou',
      secretId: FAKE_SECRETS.tencentId,
      secretKey: key,
      voiceSdkAppid: '1400000000',
      templateId: '1000001',
      playTimes: 2,
    },
    1_000,
  );

describe('voice providers on the wire', () => {
  it('signs Tencent TC3 requests (vector computed independently with Python hmac/hashlib)', () => {
    const body = '{"TemplateId":"1234","CalledNumber":"+8613800000001"}';
    expect(tc3Signature({ host: 'vms.tencentcloudapi.com', service: 'vms', body, timestamp: 1783245600, secretKey: 'tc-secret' })).toBe(
      '1b8d9455497003d981bb8d093eaea805f2993ed34f048563e7f869442464f18f',
    );
  });

  it('takes "按1确认" with an Aliyun IvrCall, informs with SingleCallByTts, the template spoken twice', async () => {
    const r = await aliyun().send('+8613900000001', message);
    expect(r).toMatchObject({ ok: true, provider: 'aliyun-voice', providerMessageId: expect.stringMatching(/^call-/) });
    const ivr = fake.of('aliyun-voice').at(-1)!;
    expect(ivr.ok).toBe(true);
    expect(ivr.query).toMatchObject({
      Action: 'IvrCall',
      CalledNumber: '13900000001',
      StartCode: 'TTS_1',
      'MenuKeyMap.1.Key': '1',
      'MenuKeyMap.1.Code': 'TTS_2',
      PlayTimes: '2',
      OutId: 'fxTESTOUTID',
      Timeout: '10000',
    });
    expect(JSON.parse(ivr.query.StartTtsParams!)).toEqual(message.speech);
    const info = await aliyun().send('+8613900000002', { ...message, ackUrl: null });
    expect(info.ok).toBe(true);
    expect(fake.of('aliyun-voice').at(-1)!.query).toMatchObject({ Action: 'SingleCallByTts', TtsCode: 'TTS_1', PlayTimes: '2' });
    expect(await aliyun('wrong').send('+8613900000003', message)).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('SignatureDoesNotMatch'),
    });
  });

  it('calls through Tencent SendTtsVoice with a valid TC3 signature and the three template values', async () => {
    const r = await tencent().send('+8613900000004', message);
    expect(r).toMatchObject({ ok: true, provider: 'tencent-voice', providerMessageId: expect.stringMatching(/^call-/) });
    const got = fake.of('tencent').at(-1)!;
    expect(got.ok).toBe(true);
    expect(got.json).toEqual({
      TemplateId: '1000001',
      TemplateParamSet: ['西津街道', '二级橙色', '请立即赶赴指挥部，确认收到请按1'],
      CalledNumber: '+8613900000004',
      VoiceSdkAppid: '1400000000',
      PlayTimes: 2,
      SessionContext: 'fxTESTOUTID',
    });
    expect(await tencent('wrong').send('+8613900000005', message)).toMatchObject({ ok: false, error: expect.stringContaining('AuthFailure.SignatureFailure') });
  });

  it('fails over from Aliyun (500) to Tencent, reporting both', async () => {
    fake.failNext('aliyun-voice', '500');
    const r = await new VoiceChannel([aliyun(), tencent()]).send('+8613900000006', message);
    expect(r).toMatchObject({ ok: true, provider: 'tencent-voice' });
    expect(r.tried).toEqual([
      { provider: 'aliyun-voice', ok: false, error: expect.stringMatching(/HTTP 500/) },
      { provider: 'tencent-voice', ok: true },
    ]);
  });
});

const SECRETS = {
  'aliyun-voice': 'av-0123456789abcdef0123456789',
  'aliyun-sms': 'as-0123456789abcdef0123456789',
  'tencent-voice': 'tv-0123456789abcdef0123456789',
};

function voiceConfig(patch: (c: AppConfig) => void = () => undefined): AppConfig {
  return testConfig((c) => {
    for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.levels[l] = { ...c.policy.levels[l], ackWithin: 60_000, arriveWithin: 120_000 };
    c.policy.calls = { firstAt: ['II', 'I'], limits: { perMinute: 1, perHour: 5, perDay: 20 } };
    c.policy.repeatEscalation = 1;
    c.policy.delivery = { attempts: 2, backoff: 100, concurrency: 10, bundleWithin: 0 };
    c.policy.publicUrl = 'http://fangxun.test';
    patch(c);
  });
}

const services: TestService[] = [];
const fakes: FakeProviders[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

/**
 * A service whose calls and SMS go to fresh fakes (their per-number limits start empty),
 * and whose receipt endpoints the fakes push to. `behave` sets how each callee answers.
 */
async function start(behave: (fake: FakeProviders) => void, config = voiceConfig()) {
  const fake = await startFakeProviders();
  fakes.push(fake);
  behave(fake);
  const channelsCfg = channelsConfigSchema.parse({
    sms: { providers: [{ type: 'aliyun', baseUrl: fake.url, accessKeyIdEnv: 'AK', accessKeySecretEnv: 'AKS', signName: '宁国防汛', templateCode: 'SMS_1' }] },
    voice: {
      providers: [
        {
          type: 'aliyun',
          baseUrl: fake.url,
          accessKeyIdEnv: 'AK',
          accessKeySecretEnv: 'AKS',
          calledShowNumber: '05634012345',
          ttsCode: 'TTS_1',
          confirmTtsCode: 'TTS_2',
        },
        { type: 'tencent', baseUrl: fake.url, secretIdEnv: 'TID', secretKeyEnv: 'TKEY', voiceSdkAppid: '1400000000', templateId: '1000001' },
      ],
    },
  });
  const env = {
    FANGXUN_WEBHOOK_SECRET: FAKE_SECRETS.webhook,
    AK: FAKE_SECRETS.aliyunId,
    AKS: FAKE_SECRETS.aliyunSecret,
    TID: FAKE_SECRETS.tencentId,
    TKEY: FAKE_SECRETS.tencentKey,
  };
  const channels = createChannels(channelsCfg, env, () => undefined);
  const svc = await startService({ config, workers: true, drill: false, channels, inboundSecrets: new Map(Object.entries(SECRETS)) });
  services.push(svc);
  fake.pushReceiptsTo(async (endpoint, body) => (await svc.call('POST', `/v1/inbound/${endpoint}/${SECRETS[endpoint]}`, { token: null, body })).status);
  await svc.importData(alertDataset(`${fake.url}/hook`));
  const key = await svc.gaugeKey();
  // W1 over its guarantee level (37.0): Ⅱ级 — calls first for those who must answer.
  await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 37.2 } });
  const alertId = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId as string, 8_000, 'the alert');
  const alert = async () => (await svc.call('GET', `/v1/alerts/${alertId}`)).body;
  const person = async (id: string) => (await alert()).recipients.find((r: any) => r.personId === id);
  return { svc, fake, alertId, alert, person };
}

describe('calls in the ladder, receipts back', () => {
  it('keypress 1 acknowledges via voice; a switched-off phone falls through to the next contact within a second', async () => {
    const { svc, alertId, person, fake } = await start((f) => {
      f.callee('13800000001', 'press1'); // the liaison leader answers and presses 1
      f.callee('13800000002', 'off'); // the township head's phone is off
    });
    const lead = await waitFor(
      async () => {
        const l = await person('p-lead');
        return l?.ackedAt && l.deliveries[0]?.receipt ? l : null;
      },
      8_000,
      'the keypress ack and its receipt',
    );
    expect(lead.ackVia).toBe('voice');
    expect(lead.deliveries[0]).toMatchObject({
      channel: 'voice',
      status: 'sent',
      provider: 'aliyun-voice',
      receipt: { outcome: 'keypress', text: '已接听并按1确认' },
    });
    const ledger = await svc.runtime.services.alerts.store.ledger(['341881001']);
    expect(ledger.filter((e) => e.personId === 'p-lead' && e.type === 'ack')).toMatchObject([{ alertId, ackVia: 'voice' }]);
    expect(lead.deliveries[0].to).toBe('+86138****0001');
    // 关机: the receipt moves the head on to the webhook at once.
    const head = await waitFor(
      async () => {
        const h = await person('p-head');
        return h?.deliveries.some((d: any) => d.channel === 'webhook' && d.status === 'sent') ? h : null;
      },
      8_000,
      'the next contact of the township head',
    );
    expect(head.deliveries[0]).toMatchObject({ channel: 'voice', receipt: { outcome: 'powered-off', text: '关机' } });
    expect(head.ackedAt).toBeNull();
    const receiptAt = fake.pushes.find((p) => p.endpoint === 'aliyun-voice' && JSON.stringify(p.body).includes('用户关机'))!.at;
    // From the receipt's push to the next contact's request at the (webhook) provider.
    const hook = fake.received.find((r) => r.path === '/hook/p-head' && r.json?.role === 'township-head')!;
    expect(hook.at - receiptAt).toBeLessThan(1_000);
    // The duty board's alert page shows it in Chinese (masked number).
    const page = await (
      await svc.runtime.app.request(`/board/alerts/${encodeURIComponent(alertId)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text();
    expect(page).toContain('电话 +86138****0002 关机');
    expect(page).toContain('电话 +86138****0001 已接听并按1确认');
    // No call was refused, no two calls to a number within 60 s, every request well formed.
    expect(fake.received.filter((r) => !r.ok)).toEqual([]);
  });

  it('a receipt pushed again has one effect, and is answered as the provider expects', async () => {
    const { svc, fake, person, alert } = await start((f) => {
      f.callee('13800000002', 'off');
      f.callee('13800000001', 'no-answer');
    });
    await waitFor(async () => (await person('p-head'))?.deliveries.some((d: any) => d.channel === 'webhook'), 8_000, 'the head moved on');
    const push = fake.pushes.find((p) => p.endpoint === 'aliyun-voice' && JSON.stringify(p.body).includes('用户关机'))!;
    expect(push.status).toBe(200);
    const before = await alert();
    for (let i = 0; i < 3; i++) {
      const again = await svc.call('POST', `/v1/inbound/aliyun-voice/${SECRETS['aliyun-voice']}`, { token: null, body: push.body });
      expect(again).toMatchObject({ status: 200, body: { code: 0, msg: '接收成功' } });
    }
    await new Promise((r) => setTimeout(r, 300));
    const after = await alert();
    const receipts = (a: any) => a.timeline.filter((t: any) => t.type === 'delivery-receipt' && t.personId === 'p-head').length;
    expect(receipts(after)).toBe(receipts(before));
    expect((await person('p-head')).deliveries.filter((d: any) => d.channel === 'webhook').length).toBe(
      before.recipients.find((r: any) => r.personId === 'p-head').deliveries.filter((d: any) => d.channel === 'webhook').length,
    );
    // 未接听 is shown in Chinese too, and also moves on.
    const lead = await waitFor(
      async () => {
        const l = await person('p-lead');
        return l?.deliveries.some((d: any) => d.receipt?.text === '未接听') && l.deliveries.some((d: any) => d.channel === 'webhook') ? l : null;
      },
      8_000,
      '未接听 on the leader',
    );
    expect(lead.ackedAt).toBeNull();
    // A wrong secret is a plain 404; a malformed receipt a 400 in the one error shape.
    expect((await svc.call('POST', '/v1/inbound/aliyun-voice/not-the-secret-at-all-000000', { token: null, body: push.body })).status).toBe(404);
    const bad = await svc.call('POST', `/v1/inbound/aliyun-voice/${SECRETS['aliyun-voice']}`, { token: null, body: [{ out_id: 'x' }] });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_receipt', message: expect.stringContaining('call_id') } } });
  });

  it('Aliyun down (500): the call goes through Tencent, whose keypress callback acknowledges', async () => {
    const { person } = await start((f) => {
      f.failNext('aliyun-voice', '500', 2);
      f.callee('13800000001', 'press1');
      f.callee('13800000002', 'press1');
    });
    const lead = await waitFor(
      async () => {
        const l = await person('p-lead');
        return l?.ackedAt && l.deliveries[0]?.receipt ? l : null;
      },
      8_000,
      'the Tencent keypress ack',
    );
    expect(lead.ackVia).toBe('voice');
    expect(lead.deliveries[0]).toMatchObject({ channel: 'voice', provider: 'tencent-voice', receipt: { outcome: 'keypress' } });
    expect(lead.deliveries[0].error ?? null).toBeNull();
  });

  it('never places two calls to one number within 60 s: the call rung is skipped with the reason, the next contact used', async () => {
    const config = voiceConfig((c) => {
      c.policy.levels.II = { ...c.policy.levels.II, ackWithin: 1_500 };
      c.policy.escalation = ['call', 'duty-officer'];
    });
    const { alert, person, fake } = await start((f) => {
      f.callee('13800000001', 'answer'); // answers, never presses 1
      f.callee('13800000002', 'press1');
    }, config);
    const lead = await waitFor(
      async () => {
        const l = await person('p-lead');
        return l?.deliveries.some((d: any) => d.status === 'skipped') ? l : null;
      },
      10_000,
      'the refused call',
    );
    const skipped = lead.deliveries.find((d: any) => d.status === 'skipped');
    expect(skipped).toMatchObject({ channel: 'voice', error: expect.stringContaining('1分钟内已呼叫1次') });
    const a = await alert();
    expect(a.timeline.some((t: any) => t.type === 'call-not-placed' && t.personId === 'p-lead')).toBe(true);
    await waitFor(
      async () => (await person('p-lead'))?.deliveries.filter((d: any) => d.channel === 'webhook' && d.status === 'sent').length >= 2,
      8_000,
      'the next contact after the refused call',
    );
    const toLead = fake.calls.filter((c) => c.number === '13800000001');
    expect(toLead).toHaveLength(1);
    for (let i = 1; i < fake.calls.length; i++) {
      for (let j = 0; j < i; j++)
        if (fake.calls[i]!.number === fake.calls[j]!.number) expect(fake.calls[i]!.at - fake.calls[j]!.at).toBeGreaterThanOrEqual(60_000);
    }
    expect(fake.received.filter((r) => r.problem?.startsWith('limit'))).toEqual([]);
  });

  it('SMS receipts: 已送达 on the delivery; a reply "收到" through SmsUp acknowledges', async () => {
    const { svc, person } = await start((f) => {
      f.callee('13800000002', 'no-answer'); // the call is not answered, the webhook is down: SMS carries it
      f.failNext('hook', '500', 1_000);
    });
    const head = await waitFor(
      async () => {
        const h = await person('p-head');
        return h?.deliveries.some((d: any) => d.channel === 'sms' && d.receipt) ? h : null;
      },
      10_000,
      'the SmsReport',
    );
    const sms = head.deliveries.find((d: any) => d.channel === 'sms');
    expect(sms).toMatchObject({ status: 'sent', providerMessageId: expect.stringMatching(/^biz-/), receipt: { outcome: 'delivered', text: '已送达' } });
    const up = [
      { phone_number: '13800000002', send_time: '2026-07-05 14:02:00', content: '收到', sign_name: '宁国防汛', dest_code: '1234', sequence_id: 9001 },
    ];
    const res = await svc.call('POST', `/v1/inbound/aliyun-sms/${SECRETS['aliyun-sms']}`, { token: null, body: up });
    expect(res).toMatchObject({ status: 200, body: { code: 0, msg: '接收成功' } });
    const acked = await waitFor(async () => ((await person('p-head'))?.ackedAt ? person('p-head') : null), 5_000, 'the SMS reply ack');
    expect(acked.ackVia).toBe('sms-reply');
  });
});

describe('drill mode', () => {
  it('puts calls in the outbox with the template values; a simulated keypress acknowledges', async () => {
    const svc = await startService({ config: voiceConfig(), workers: true, drill: true, inboundSecrets: new Map(Object.entries(SECRETS)) });
    services.push(svc);
    await svc.importData(alertDataset('http://hooks.test'));
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 37.2 } });
    const call = await waitFor(
      async () => {
        const out = (await svc.call('GET', '/v1/admin/outbox?limit=100')).body as any[];
        return out.find((m) => m.channel === 'voice' && m.personId === 'p-lead');
      },
      8_000,
      'the call in the outbox',
    );
    expect(call.to).toBe('+8613800000001');
    expect(call.speech).toEqual({ township: '西津街道', level: '二级橙色', notice: '请做好防范，确认收到请按1' });
    const outId = call.outId;
    const press = [{ call_id: 'drill-1', out_id: outId, status_code: '200000', status_msg: '用户听完挂断', dtmf: '1' }];
    expect((await svc.call('POST', `/v1/inbound/aliyun-voice/${SECRETS['aliyun-voice']}`, { token: null, body: press })).status).toBe(200);
    const alertId = (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId;
    const lead = (await svc.call('GET', `/v1/alerts/${alertId}`)).body.recipients.find((r: any) => r.personId === 'p-lead');
    expect(lead).toMatchObject({ ackVia: 'voice' });
    expect(lead.deliveries[0]).toMatchObject({ channel: 'voice', provider: 'outbox', receipt: { text: '已接听并按1确认' } });
    // A simulated 关机 for the township head: the next contact lands in the outbox too.
    const headCall = ((await svc.call('GET', '/v1/admin/outbox?limit=100&personId=p-head')).body as any[]).find((m) => m.channel === 'voice');
    const off = [{ call_id: 'drill-2', out_id: headCall.outId, status_code: '200005', status_msg: '用户关机' }];
    expect((await svc.call('POST', `/v1/inbound/aliyun-voice/${SECRETS['aliyun-voice']}`, { token: null, body: off })).status).toBe(200);
    const next = await waitFor(
      async () =>
        ((await svc.call('GET', '/v1/admin/outbox?limit=100&personId=p-head')).body as any[]).find(
          (m) => m.channel !== 'voice' && m.messageId === headCall.messageId,
        ),
      5_000,
      "the head's next contact in the outbox",
    );
    expect(next.channel).toBe('webhook');
  });
});

describe('response call-outs', () => {
  it('an HQ response at a calls.firstAt level calls whoever must answer first, the speech naming the notice', async () => {
    const svc = await startService({
      config: voiceConfig((c) => (c.policy.calls.firstAt = ['II'])),
      workers: true,
      drill: true,
      inboundSecrets: new Map(Object.entries(SECRETS)),
    });
    services.push(svc);
    await svc.importData(alertDataset('http://hooks.test'));
    const started = await svc.call('POST', '/v1/responses', {
      body: { level: 'II', scope: { townships: ['341881001'] }, notice: '宁防指〔2026〕7号', reason: '西津河超保证水位' },
    });
    expect(started.status).toBe(201);
    const calls = await waitFor(
      async () => {
        const out = ((await svc.call('GET', '/v1/admin/outbox?limit=100')).body as any[]).filter((m) => m.channel === 'voice');
        return out.length >= 2 ? out : null;
      },
      8_000,
      'the calls of the response in the outbox',
    );
    const callout = (await svc.call('GET', `/v1/alerts/${calls[0].alertId}`)).body;
    expect(callout.kind).toBe('response');
    // Exactly those who must answer are called; the informed are not.
    const mustAck = callout.recipients
      .filter((r: any) => r.mustAck)
      .map((r: any) => r.personId)
      .sort();
    expect([...new Set(calls.map((m) => m.personId))].sort()).toEqual(mustAck);
    expect(calls[0].speech).toEqual({ township: '西津街道', level: '二级应急响应', notice: '市防指决定宁防指〔2026〕7号，请立即到岗，收到请按1' });
    // A keypress acknowledges the call-out like a warning.
    const press = [{ call_id: 'drill-r1', out_id: calls[0].outId, status_code: '200000', status_msg: '用户听完挂断', dtmf: '1' }];
    expect((await svc.call('POST', `/v1/inbound/aliyun-voice/${SECRETS['aliyun-voice']}`, { token: null, body: press })).status).toBe(200);
    const acked = await waitFor(
      async () => (await svc.call('GET', `/v1/alerts/${callout.id}`)).body.recipients.find((r: any) => r.personId === calls[0].personId && r.ackedAt),
      5_000,
      'the keypress ack',
    );
    expect(acked.ackVia).toBe('voice');
  });

  it('a Ⅳ response (not in calls.firstAt) rings nobody', async () => {
    const svc = await startService({ config: voiceConfig(), workers: true, drill: true });
    services.push(svc);
    await svc.importData(alertDataset('http://hooks.test'));
    expect(
      (await svc.call('POST', '/v1/responses', { body: { level: 'IV', scope: { townships: ['341881001'] }, notice: '宁防指〔2026〕8号', reason: '雨情' } }))
        .status,
    ).toBe(201);
    const out = await waitFor(
      async () => {
        const o = (await svc.call('GET', '/v1/admin/outbox?limit=100')).body as any[];
        return o.length > 0 ? o : null;
      },
      8_000,
      'the response messages',
    );
    expect(out.filter((m) => m.channel === 'voice')).toEqual([]);
  });
});

describe('no voice service', () => {
  it('says on the alert why the wanted call was not placed, and uses the other contacts', async () => {
    const fake = await startFakeProviders();
    fakes.push(fake);
    const channels = createChannels(channelsConfigSchema.parse({}), { FANGXUN_WEBHOOK_SECRET: FAKE_SECRETS.webhook }, () => undefined);
    const svc = await startService({ config: voiceConfig(), workers: true, drill: false, channels });
    services.push(svc);
    await svc.importData(alertDataset(`${fake.url}/hook`));
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 37.2 } });
    const lead = await waitFor(
      async () => {
        const id = (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId;
        const l = id ? (await svc.call('GET', `/v1/alerts/${id}`)).body.recipients.find((r: any) => r.personId === 'p-lead') : null;
        return l?.deliveries.some((d: any) => d.channel === 'webhook' && d.status === 'sent') ? l : null;
      },
      8_000,
      'the leader told without a call',
    );
    expect(lead.deliveries[0]).toMatchObject({ channel: 'voice', status: 'skipped', error: expect.stringMatching(/^未拨打：未配置语音服务/) });
  });
});
