import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startService, alertDataset, beijing, waitFor, testConfig, fastCallouts, type TestService } from './helpers.js';
import type { AppConfig } from '../src/config/load.js';
import { smsCost } from '../src/channels/segments.js';

/**
 * Call-and-answer end to end, in the style of GoAlert's smoke tests: real Redis, real
 * BullMQ workers, deadlines of a second or two, messages read from the drill outbox.
 */
function alertConfig(patch: (c: AppConfig) => void = () => undefined): AppConfig {
  return testConfig((c) => {
    const fast = { ackWithin: 1_000, arriveWithin: 4_000 };
    c.policy.levels.IV = { ...c.policy.levels.IV, ...fast };
    c.policy.levels.III = { ...c.policy.levels.III, ...fast };
    c.policy.levels.II = { ...c.policy.levels.II, ...fast };
    c.policy.levels.I = { ...c.policy.levels.I, ...fast };
    fastCallouts(c);
    patch(c);
  });
}

interface OutboxEntry {
  id: string;
  channel: string;
  to: string;
  messageId: string;
  alertId: string;
  personId: string;
  title: string;
  text: string;
  ackUrl: string | null;
  deadline: string | null;
  at: string;
}

const services: TestService[] = [];
async function start(opts: Parameters<typeof startService>[0] = {}) {
  const svc = await startService({ config: alertConfig(), workers: true, drill: true, ...opts });
  services.push(svc);
  return svc;
}
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function outbox(svc: TestService, personId?: string): Promise<OutboxEntry[]> {
  const res = await svc.call('GET', `/v1/admin/outbox?limit=1000${personId ? `&personId=${personId}` : ''}`);
  expect(res.status).toBe(200);
  return (res.body as OutboxEntry[]).reverse();
}

async function setup(svc: TestService) {
  await svc.importData(alertDataset('http://hooks.test'));
  const key = await svc.gaugeKey();
  const post = (readings: unknown[]) => svc.call('POST', '/v1/readings', { token: key, body: { readings } });
  const token = async (role: 'leader' | 'duty', personId?: string) => {
    const res = await svc.call('POST', '/v1/admin/tokens', { body: { role, personId } });
    expect(res.status).toBe(201);
    return res.body.token as string;
  };
  const openAlert = async (townshipId = '341881001') =>
    waitFor(
      async () => {
        const t = (await svc.call('GET', `/v1/townships/${townshipId}`)).body;
        return t.openAlertId ? ((await svc.call('GET', `/v1/alerts/${t.openAlertId}`)).body as any) : null;
      },
      8_000,
      'an open alert',
    );
  return { post, token, openAlert };
}

/** W1 over its warning level (35.5): IV. Over guarantee (37.0): II. */
const riverAt = (m: number, ago = 60_000) => [{ stationId: 'W1', observedAt: beijing(Date.now() - ago), waterLevelM: m }];

describe('a rise notifies the right people', () => {
  it('tells the leader, the township head and the duty officer at IV, with working personal links', async () => {
    const svc = await start({ config: alertConfig((c) => (c.policy.levels.IV.ackWithin = 60_000)) });
    const { post, openAlert } = await setup(svc);
    expect((await post(riverAt(35.8))).status).toBe(202);
    const alert = await openAlert();
    expect(alert).toMatchObject({ townshipId: '341881001', level: 'IV', status: 'open' });
    expect(alert.recipients.map((r: any) => [r.personId, r.role, r.mustAck])).toEqual([
      ['p-lead', 'liaison-leader', true],
      ['p-head', 'township-head', true],
      ['p-duty', 'duty-officer', false],
    ]);
    const sent = await waitFor(
      async () => {
        const o = await outbox(svc);
        return o.length >= 3 ? o : null;
      },
      5_000,
      'three messages',
    );
    expect(sent.map((m) => m.personId).sort()).toEqual(['p-duty', 'p-head', 'p-lead']);
    const lead = sent.find((m) => m.personId === 'p-lead')!;
    expect(lead.channel).toBe('webhook'); // the first contact
    expect(lead.text).toContain('西津街道雨情水情达到防汛Ⅳ级(蓝色)预警');
    expect(lead.text).toContain('西津河宁国站 超警戒 0.3 米（水位 35.8 米）');
    expect(lead.ackUrl).toMatch(/^http:\/\/fangxun\.test\/a\/[A-Za-z0-9]{12}$/);
    expect(sent.find((m) => m.personId === 'p-duty')!.ackUrl).toBeNull();

    // GET shows the page and does not acknowledge (chat apps preview links); POST does.
    const path = new URL(lead.ackUrl!).pathname;
    const page = await svc.call('GET', path, { token: null });
    expect(page.status).toBe(200);
    expect(page.body).toContain('确认收到');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect((await svc.call('GET', `/v1/alerts/${alert.id}`)).body.recipients[0].ackedAt).toBeNull();
    const res = await svc.runtime.app.request(path, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('确认成功');
    const after = (await svc.call('GET', `/v1/alerts/${alert.id}`)).body;
    expect(after.recipients[0]).toMatchObject({ personId: 'p-lead', ackVia: 'link', onBehalfOf: null });
    expect(after.recipients[0].deliveries[0]).toMatchObject({ channel: 'webhook', status: 'sent' });

    // A guessed or altered code is refused (forged signed links: test/security.test.ts).
    const code = path.slice(3);
    const altered = `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`;
    expect((await svc.call('GET', `/a/${altered}`, { token: null })).status).toBe(404);
    expect((await svc.runtime.app.request(`/a/${altered}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) })).status).toBe(403);
  });
});

describe('escalation', () => {
  it('re-notifies, then tells the duty officer, then the shift leader; an ack stops it', async () => {
    const svc = await start();
    const { post, token, openAlert } = await setup(svc);
    await post(riverAt(35.8));
    const alert = await openAlert();
    // Nobody answers: step 0 (1 s) re-notify on the next contact (SMS), step 1 (2 s) duty
    // officer, step 2 (3 s) shift leader.
    const toShiftLeader = await waitFor(
      async () => {
        const o = await outbox(svc, 'p-shift');
        return o.find((m) => m.title.startsWith('【叫应超时】')) ?? null;
      },
      8_000,
      'the shift leader to be told',
    );
    expect(toShiftLeader.text).toMatch(/联系市领导市领导甲未在时限内确认|乡镇\(街道\)主要负责人西津街道主任未在时限内确认/);
    const leadMessages = await outbox(svc, 'p-lead');
    const renotify = leadMessages.find((m) => m.text.startsWith('【再次提醒】'));
    expect(renotify?.channel).toBe('sms'); // the next contact
    // It asks by a time still ahead (the next step's), ends with the reply hint, fits two parts.
    expect(Date.parse(renotify!.deadline!)).toBeGreaterThan(Date.parse(renotify!.at));
    expect(renotify!.text.endsWith('回复1确认')).toBe(true);
    expect(smsCost(renotify!.text).segments).toBeLessThanOrEqual(2);
    const duty = await outbox(svc, 'p-duty');
    expect(duty.filter((m) => m.title.startsWith('【叫应超时】')).length).toBeGreaterThanOrEqual(1);

    // The head answers with their own leader token: nothing more about them goes out.
    const headToken = await token('leader', 'p-head');
    const ack = await svc.call('POST', `/v1/alerts/${alert.id}/ack`, { token: headToken });
    expect(ack.status).toBe(200);
    expect(ack.body.outcome).toBe('acked');
    // (The arrival chain goes on: they answered but are not at the post yet.)
    const count = async () =>
      (await outbox(svc)).filter((m) => (m.personId === 'p-head' && m.text.startsWith('【再次提醒】')) || m.text.includes('西津街道主任未在时限内确认')).length;
    const before = await count();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await count()).toBe(before);
    const reminder = await waitFor(
      async () => (await outbox(svc, 'p-head')).find((m) => m.title.startsWith('【到岗提醒】')) ?? null,
      5_000,
      'the arrival reminder',
    );
    expect(reminder.text).toContain('您尚未报到岗');

    const view = (await svc.call('GET', `/v1/alerts/${alert.id}`)).body;
    const lead = view.recipients.find((r: any) => r.personId === 'p-lead');
    expect(lead.escalations.filter((e: any) => e.kind === 'ack').map((e: any) => e.action)).toEqual(['renotify', 'duty-officer', 'shift-leader', 'commander']);
    expect(view.timeline.filter((t: any) => t.type === 'ack-overdue' && t.personId === 'p-lead')).toHaveLength(4);

    // Every miss is on the ledger.
    const report = (await svc.call('GET', '/v1/reports/accountability')).body;
    expect(
      report.entries
        .filter((e: any) => e.type === 'ack-missed')
        .map((e: any) => e.personId)
        .sort(),
    ).toEqual(['p-head', 'p-lead']);
    expect(report.people.find((p: any) => p.personId === 'p-head')).toMatchObject({ acks: 1, lateAcks: 1, missedAcks: 1 });
    const csv = await svc.runtime.app.request('/v1/reports/accountability', { headers: { authorization: 'Bearer test-admin-token', accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain("filename*=UTF-8''%E9%97%AE%E8%B4%A3%E5%8F%B0%E8%B4%A6.csv");
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM spreadsheet programs need for UTF-8
    const rows = new TextDecoder()
      .decode(bytes)
      .split('\r\n')
      .map((l) => l.split(','));
    expect(rows[0]![0]).toBe('类型');
    const missed = rows.filter((r) => r[0] === '未确认');
    expect(missed.map((r) => r[5]).sort()).toEqual(['乡镇(街道)主要负责人', '联系市领导']);
    // The deadline in 北京时间, as a spreadsheet reads it.
    const deadline = report.entries.find((e: any) => e.type === 'ack-missed' && e.personId === missed[0]![4]).deadline;
    expect(missed[0]![8]).toBe(new Date(Date.parse(deadline) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '));
  });

  it('fires a pending step once even when the worker holding it is gone', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const config = alertConfig((c) => {
      c.policy.levels.IV.ackWithin = 2_000;
    });
    const first = await startService({ config, workers: true, drill: true, prefix });
    const { post, openAlert } = await setup(first);
    await post(riverAt(35.8));
    const alert = await openAlert();
    await waitFor(async () => (await outbox(first)).length >= 3, 5_000, 'first messages');
    await first.close(); // the deadline (2 s) is pending in Redis, nobody works the queue
    await new Promise((r) => setTimeout(r, 2_500));
    // Two new worker processes on the same Redis.
    const a = await start({ config, prefix });
    const b = await start({ config, prefix });
    const renotified = await waitFor(
      async () => {
        const o = await outbox(a, 'p-lead');
        return o.filter((m) => m.text.startsWith('【再次提醒】')).length > 0 ? o : null;
      },
      6_000,
      'the re-notify step',
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const all = await outbox(b);
    const ids = all.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length); // no message twice
    expect(renotified.filter((m) => m.text.startsWith('【再次提醒】'))).toHaveLength(1);
    const view = (await a.call('GET', `/v1/alerts/${alert.id}`)).body;
    const steps = view.recipients.find((r: any) => r.personId === 'p-lead').escalations.map((e: any) => `${e.kind}${e.step}`);
    expect(new Set(steps).size).toBe(steps.length);
  });
});

describe('raising and declaring', () => {
  it('IV → II re-notifies everyone with the new deadlines and adds the shift leader and commander', async () => {
    const svc = await start({ config: alertConfig((c) => (c.policy.levels.IV.ackWithin = 60_000)) });
    const { post, openAlert, token } = await setup(svc);
    await post(riverAt(35.8, 120_000));
    const iv = await openAlert();
    await svc.call('POST', `/v1/alerts/${iv.id}/ack`, { token: await token('leader', 'p-lead') });
    const ivDeadline = iv.recipients[1].ackDeadline;
    await post(riverAt(37.3));
    const ii = await waitFor(
      async () => {
        const a = (await svc.call('GET', `/v1/alerts/${iv.id}`)).body;
        return a.level === 'II' ? a : null;
      },
      5_000,
      'the raise to II',
    );
    expect(ii.id).toBe(iv.id); // raised in place
    expect(ii.recipients.map((r: any) => r.personId)).toEqual(['p-lead', 'p-head', 'p-duty', 'p-shift', 'p-cmd']);
    const lead = ii.recipients[0];
    expect(lead.ackedAt).toBeNull(); // must answer the new level
    expect(Date.parse(ii.recipients[1].ackDeadline)).toBeLessThan(Date.parse(ivDeadline)); // II: 1 s, not IV's 60 s
    // The commander named at Ⅱ by this policy gets the warning itself (and, separately, the HQ recommendation).
    const toCommander = await waitFor(async () => (await outbox(svc, 'p-cmd')).find((m) => m.alertId === iv.id), 5_000, 'the commander');
    expect(toCommander.text).toContain('防汛Ⅱ级(橙色)预警');
    expect(ii.timeline.map((t: any) => t.type)).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'raised']));
  });

  it('a declared level opens the alert with its notice number in every message', async () => {
    const svc = await start({ config: alertConfig((c) => (c.policy.levels.III.ackWithin = 60_000)) });
    await setup(svc);
    const duty = await svc.token('duty', 'p-duty');
    const bad = await svc.call('POST', '/v1/townships/341881100/declare', { token: duty, body: { level: 'V', notice: '', reason: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(['level', 'notice']);
    const res = await svc.call('POST', '/v1/townships/341881100/declare', {
      token: duty,
      body: { level: 'III', notice: '宁防指〔2026〕3号', reason: '港口湾水库超汛限，加强巡查' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ townshipId: '341881100', level: 'III', declared: { level: 'III', notice: '宁防指〔2026〕3号', by: 'p-duty' } });
    const msgs = await waitFor(
      async () => {
        const o = await outbox(svc);
        return o.length >= 3 ? o : null;
      },
      5_000,
      'messages',
    ).catch(async (err) => {
      console.log(JSON.stringify((await svc.call('GET', `/v1/alerts/${res.body.id}`)).body, null, 1), await outbox(svc));
      throw err;
    });
    for (const m of msgs) expect(m.text).toContain('宁防指〔2026〕3号');
    expect(msgs.find((m) => m.personId === 'p-port')!.text).toContain('港口湾水库超汛限');
    // A leader may not declare.
    const leader = await svc.token('leader', 'p-lead');
    expect((await svc.call('POST', '/v1/townships/341881100/declare', { token: leader, body: { level: 'I', notice: 'x', reason: 'y' } })).status).toBe(403);
  });
});

describe('answering', () => {
  let svc: TestService;
  let alertId: string;
  let s: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    svc = await startService({ config: alertConfig((c) => (c.policy.levels.IV.ackWithin = 60_000)), workers: true, drill: true });
    s = await setup(svc);
    await s.post(riverAt(35.8));
    alertId = (await s.openAlert()).id;
  });
  afterAll(() => svc.close());

  it('acknowledges by SMS reply "收到" for that phone\'s newest open alert', async () => {
    const res = await svc.call('POST', '/v1/inbound/sms', { body: { from: '13800000002', text: ' 收到。' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ acknowledged: true, alertId, personId: 'p-head' });
    expect(res.body.reply).toContain('已确认');
    const again = await svc.call('POST', '/v1/inbound/sms', { body: { from: '+8613800000002', text: '1' } });
    expect(again.body).toMatchObject({ acknowledged: false });
    const unknown = await svc.call('POST', '/v1/inbound/sms', { body: { from: '13900000000', text: '1' } });
    expect(unknown.body.reply).toContain('未登记');
    const view = (await svc.call('GET', `/v1/alerts/${alertId}`)).body;
    expect(view.recipients.find((r: any) => r.personId === 'p-head').ackVia).toBe('sms-reply');
  });

  it('lets a duty officer acknowledge on behalf of someone, recorded as such', async () => {
    const duty = await svc.token('duty', 'p-duty');
    const noWho = await svc.call('POST', `/v1/alerts/${alertId}/ack`, { token: 'test-admin-token' });
    expect(noWho.status).toBe(400);
    const res = await svc.call('POST', `/v1/alerts/${alertId}/ack`, { token: duty, body: { onBehalfOf: 'p-lead', note: '电话联系，已收到' } });
    expect(res.status).toBe(200);
    const lead = res.body.alert.recipients.find((r: any) => r.personId === 'p-lead');
    expect(lead).toMatchObject({ ackVia: 'duty-room', onBehalfOf: 'p-duty', ackNote: '电话联系，已收到' });
  });

  it('records arrival with the distance to the command post', async () => {
    const leader = await svc.token('leader', 'p-lead');
    const bad = await svc.call('POST', `/v1/alerts/${alertId}/arrive`, { token: leader, body: { lat: 30.63 } });
    expect(bad.status).toBe(400);
    const res = await svc.call('POST', `/v1/alerts/${alertId}/arrive`, { token: leader, body: { lat: 30.6305, lon: 118.9805 } });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('arrived');
    expect(res.body.distanceM).toBeLessThan(100);
    expect(res.body.farFromPost).toBe(false);
  });

  it('shows a leader only their own alerts', async () => {
    const port = await svc.token('leader', 'p-port');
    expect((await svc.call('GET', `/v1/alerts/${alertId}`, { token: port })).status).toBe(404);
    expect((await svc.call('GET', '/v1/alerts', { token: port })).body).toEqual([]);
    expect((await svc.call('POST', `/v1/alerts/${alertId}/ack`, { token: port })).status).toBe(404);
    expect((await svc.call('GET', '/v1/alerts?status=open')).body.map((a: any) => a.id)).toEqual([alertId]);
    expect((await svc.call('GET', '/v1/alerts?status=maybe')).status).toBe(400);
    expect((await svc.call('GET', '/v1/alerts', { token: null })).status).toBe(401);
  });

  it('resolves with a reason; afterwards nothing can be acknowledged', async () => {
    const noReason = await svc.call('POST', `/v1/alerts/${alertId}/resolve`, { body: {} });
    expect(noReason.status).toBe(400);
    const res = await svc.call('POST', `/v1/alerts/${alertId}/resolve`, { body: { reason: '水位回落至警戒以下' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'resolved', resolveReason: '水位回落至警戒以下' });
    expect((await svc.call('POST', `/v1/alerts/${alertId}/resolve`, { body: { reason: '再次' } })).status).toBe(409);
    const t = (await svc.call('GET', '/v1/townships/341881001')).body;
    expect(t.openAlertId).toBeNull();
    const resolvedMsgs = await waitFor(
      async () => {
        const o = (await outbox(svc)).filter((m) => m.title.startsWith('【预警解除】'));
        return o.length >= 3 ? o : null;
      },
      5_000,
      'the resolve messages',
    );
    expect(resolvedMsgs[0]!.text).toContain('水位回落至警戒以下');
    expect((await svc.call('GET', '/v1/alerts?status=resolved')).body.map((a: any) => a.id)).toEqual([alertId]);
  });
});

describe('delivery through real channels', () => {
  it('retries a failing provider, fails over to the next contact and provider, and shows it all on the alert', async () => {
    const { startFakeProviders, FAKE_SECRETS } = await import('./support/fakeProviders.js');
    const { WebhookChannel } = await import('../src/channels/webhook.js');
    const { AliyunSms, HttpSms, SmsChannel } = await import('../src/channels/sms.js');
    const fake = await startFakeProviders();
    try {
      const channels = new Map<string, import('../src/channels/types.js').Channel>([
        ['webhook', new WebhookChannel(FAKE_SECRETS.webhook, 1_000)],
        [
          'sms',
          new SmsChannel([
            new AliyunSms(
              'aliyun',
              {
                baseUrl: fake.url,
                regionId: 'cn-hangzhou',
                accessKeyId: FAKE_SECRETS.aliyunId,
                accessKeySecret: FAKE_SECRETS.aliyunSecret,
                signName: '宁国防汛',
                templateCode: 'SMS_1',
              },
              1_000,
            ),
            new HttpSms('gateway', `${fake.url}/sms`, FAKE_SECRETS.smsToken, 1_000),
          ]),
        ],
      ]);
      const svc = await start({ config: alertConfig((c) => (c.policy.levels.IV.ackWithin = 60_000)), drill: false, channels });
      await svc.importData(alertDataset(`${fake.url}/hook`));
      const key = await svc.gaugeKey();
      // Every webhook fails (500) and Aliyun is down: webhook is retried, then SMS is used,
      // where Aliyun fails and the gateway carries it.
      fake.failNext('hook', '500', 1_000);
      fake.failNext('aliyun', '500', 1_000);
      await svc.call('POST', '/v1/readings', { token: key, body: { readings: riverAt(35.8) } });
      const alertId = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 5_000, 'the alert');
      const done = await waitFor(
        async () => {
          const a = (await svc.call('GET', `/v1/alerts/${alertId}`)).body;
          const lead = a.recipients.find((r: any) => r.personId === 'p-lead');
          const duty = a.recipients.find((r: any) => r.personId === 'p-duty');
          return lead.deliveries.some((d: any) => d.status === 'sent') && duty.deliveries.some((d: any) => d.status === 'no-contact') ? a : null;
        },
        10_000,
        'fail-over to SMS',
      );
      const lead = done.recipients.find((r: any) => r.personId === 'p-lead');
      expect(lead.deliveries.map((d: any) => `${d.channel}:${d.status}`)).toEqual(['webhook:retrying', 'webhook:failed', 'sms:sent']);
      expect(lead.deliveries[0].error).toMatch(/^HTTP 500/);
      expect(lead.deliveries[2].provider).toBe('gateway');
      expect(lead.deliveries[2].to).toBe('+86138****0001'); // never the full number
      // On the wire: the short SMS form, two parts at most, link, and the reply that acknowledges.
      const onWire = fake.of('sms').find((r) => r.json?.phone === '+8613800000001');
      expect(onWire?.json.text).toMatch(/http:\/\/fangxun\.test\/a\/[A-Za-z0-9]{12} 回复1确认$/);
      expect(smsCost(onWire!.json.text).segments).toBeLessThanOrEqual(2);
      // The duty officer has only a webhook: the failure is on the alert for the duty room to see.
      expect(done.timeline.some((t: any) => t.type === 'delivery-failed' && t.personId === 'p-duty')).toBe(true);
      // Signatures were right on every attempt the providers saw.
      expect(fake.received.filter((r) => !r.ok)).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('many townships rising one after another', () => {
  it('opens every alert at once, without waiting for the sweep', async () => {
    const svc = await start({ config: alertConfig((c) => (c.policy.sweepEvery = 600_000)) });
    const n = 40;
    const townships = Array.from({ length: n }, (_, i) => ({ id: `T${i}`, name: `测试镇${i}` }));
    await svc.importData({
      townships,
      stations: townships.map((t, i) => ({
        id: `W${i}`,
        name: `水位站${i}`,
        kind: 'river' as const,
        townshipId: t.id,
        thresholds: { warning: 35.5, guarantee: 37, record: 38.2 },
      })),
      people: townships.map((t) => ({ id: `lead-${t.id}`, name: `领导${t.id}`, contacts: [{ channel: 'sms' as const, to: '+8613800000000' }] })),
      assignments: townships.map((t) => ({ townshipId: t.id, personId: `lead-${t.id}`, role: 'liaison-leader' as const })),
      shifts: [],
    });
    const key = await svc.gaugeKey();
    for (let i = 0; i < n; i++) {
      // Both alone and in bursts, so evaluation passes of every size happen.
      await svc.call('POST', '/v1/readings', { token: key, body: { stationId: `W${i}`, observedAt: beijing(Date.now() - 1_000), waterLevelM: 36.0 } });
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    const open = await waitFor(
      async () => {
        const list = (await svc.call('GET', '/v1/alerts?status=open&limit=1000')).body as unknown[];
        return list.length === n ? list : null;
      },
      5_000,
      `${n} open alerts`,
    );
    expect(open).toHaveLength(n);
  });
});
