import { afterEach, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, waitFor, testConfig, fastCallouts, type TestService } from './helpers.js';
import type { AppConfig } from '../src/config/load.js';

/**
 * HQ responses (应急响应) end to end: real Redis, real workers, messages read from the drill
 * outbox. Warnings advise; the 防指 declares by notice; leaders go to their posts.
 */
function responseConfig(patch: (c: AppConfig) => void = () => undefined): AppConfig {
  return testConfig((c) => {
    for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.responses[l] = { ...c.policy.responses[l], ackWithin: 60_000, arriveWithin: 120_000 };
    fastCallouts(c);
    patch(c);
  });
}

interface OutboxEntry {
  personId: string;
  alertId: string;
  messageId: string;
  title: string;
  text: string;
}

const services: TestService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function start(config = responseConfig()) {
  const svc = await startService({ config, workers: true, drill: true });
  services.push(svc);
  await svc.importData(alertDataset('http://hooks.test'));
  const duty = await svc.token('duty', 'p-duty');
  const outbox = async (personId?: string): Promise<OutboxEntry[]> =>
    ((await svc.call('GET', `/v1/admin/outbox?limit=1000${personId ? `&personId=${personId}` : ''}`)).body as OutboxEntry[]).reverse();
  return { svc, duty, outbox };
}

const CITY_IV = { level: 'IV', scope: 'city', notice: '宁防指〔2023〕4号', reason: '全市平均降雨量61毫米' };

describe('an HQ response', () => {
  it('one call declares city Ⅳ: every township covered, every liaison leader and head told with the notice and deadlines', async () => {
    const { svc, duty, outbox } = await start();
    const res = await svc.call('POST', '/v1/responses', { token: duty, body: CITY_IV });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ level: 'IV', scope: 'city', notice: '宁防指〔2023〕4号', status: 'active', createdBy: 'p-duty' });
    expect(res.body.townships.map((t: any) => t.townshipId).sort()).toEqual(['341881001', '341881100']);
    const msgs = await waitFor(
      async () => {
        const o = (await outbox()).filter((m) => m.title.startsWith('【防汛Ⅳ级(蓝色)应急响应】'));
        return o.length >= 4 ? o : null;
      },
      8_000,
      'the response messages',
    );
    // p-lead is the liaison leader of both townships (one message each); p-head and p-port are their heads.
    expect(msgs.map((m) => m.personId).sort()).toEqual(['p-head', 'p-lead', 'p-lead', 'p-port']);
    for (const m of msgs) expect(m.text).toContain('宁防指〔2023〕4号');
    const head = msgs.find((m) => m.personId === 'p-head')!;
    expect(head.text).toMatch(/请于\d\d月\d\d日 \d\d:\d\d前确认收到，并于\d\d月\d\d日 \d\d:\d\d前赶赴西津街道防汛指挥部到岗到位/);
    // The duty room hears the act once, not once per township.
    const toDuty = await waitFor(async () => (await outbox('p-duty')).filter((m) => m.title.startsWith('【防指决定】')), 5_000, 'the duty room told');
    expect(toDuty).toHaveLength(1);
    expect(toDuty[0]!.title).toBe('【防指决定】全市Ⅳ级(蓝色)应急响应');
    expect(toDuty[0]!.text).toContain('市防指决定（宁防指〔2023〕4号）：全市启动防汛Ⅳ级(蓝色)应急响应');
    expect((await outbox('p-duty')).filter((m) => m.title.startsWith('【防汛Ⅳ级'))).toEqual([]);

    const townships = (await svc.call('GET', '/v1/townships')).body;
    for (const t of townships) expect(t.response).toMatchObject({ id: res.body.id, level: 'IV', notice: '宁防指〔2023〕4号' });
    expect(townships.every((t: any) => t.level === null)).toBe(true); // no warning: the gauges are quiet
    const city = (await svc.call('GET', '/v1/city')).body;
    expect(city.responses.map((r: any) => r.id)).toEqual([res.body.id]);
    // A declaration is not a warning: the warnings list stays empty.
    expect((await svc.call('GET', '/v1/alerts')).body).toEqual([]);
  });

  it('the 到岗到位 panel fills as people answer and arrive; a raise asks someone at the post only to acknowledge', async () => {
    const { svc, duty, outbox } = await start(responseConfig((c) => (c.policy.responses.III.ackWithin = 1_000)));
    const r = (await svc.call('POST', '/v1/responses', { token: duty, body: { ...CITY_IV, scope: { townships: ['341881001'] } } })).body;
    const head = await svc.token('leader', 'p-head');
    const calloutId = r.townships[0].calloutId;
    expect((await svc.call('POST', `/v1/alerts/${calloutId}/ack`, { token: head })).status).toBe(200);
    const arrived = await svc.call('POST', `/v1/alerts/${calloutId}/arrive`, { token: head, body: { lat: 30.631, lon: 118.981 } });
    expect(arrived.body).toMatchObject({ outcome: 'arrived', farFromPost: false });
    let detail = (await svc.call('GET', `/v1/responses/${r.id}`, { token: duty })).body;
    const person = (d: any, id: string) => d.townships[0].people.find((p: any) => p.personId === id);
    expect(person(detail, 'p-head')).toMatchObject({ mustAck: true, ackVia: 'api' });
    expect(person(detail, 'p-head').arrivedAt).not.toBeNull();
    expect(person(detail, 'p-head').distanceM).toBeLessThan(200);
    expect(person(detail, 'p-lead').ackedAt).toBeNull();

    // The HQ raises to Ⅲ: the head (at the post) is asked to acknowledge the new level, never to arrive again;
    // when he lets the 1 s deadline pass he is neither escalated nor booked as missed.
    const raised = await svc.call('POST', `/v1/responses/${r.id}/adjust`, {
      token: duty,
      body: { level: 'III', notice: '宁防指〔2023〕5号', reason: '雨势加大' },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.acts.map((a: any) => a.type)).toEqual(['start', 'raise']);
    const toHead = await waitFor(async () => (await outbox('p-head')).find((m) => m.text.includes('宁防指〔2023〕5号')), 5_000, 'the raise message');
    expect(toHead.text).toContain('提升至Ⅲ级(黄色)应急响应');
    expect(toHead.text).toContain('您已到岗，请确认新的响应级别');
    detail = (await svc.call('GET', `/v1/responses/${r.id}`, { token: duty })).body;
    expect(person(detail, 'p-head').ackedAt).toBeNull();
    expect(person(detail, 'p-head').arrivedAt).not.toBeNull(); // still at the post
    expect(person(detail, 'p-lead').arriveDeadline).not.toBeNull();
    // The leader (not at the post) misses the 1 s ack deadline and is escalated; the head is not.
    await waitFor(
      async () => (await outbox('p-duty')).find((m) => m.title.startsWith('【叫应超时】') && m.text.includes('市领导甲')),
      8_000,
      'the leader escalated',
    );
    await new Promise((res) => setTimeout(res, 1_500));
    expect((await outbox('p-duty')).filter((m) => m.title.startsWith('【叫应超时】') && m.text.includes('西津街道主任'))).toEqual([]);
    const ledger = (await svc.call('GET', '/v1/reports/accountability', { token: duty })).body;
    const headRow = ledger.people.find((p: any) => p.personId === 'p-head');
    expect(headRow?.missedAcks ?? 0).toBe(0);
    expect(ledger.people.find((p: any) => p.personId === 'p-lead').missedAcks).toBeGreaterThanOrEqual(1);
  });

  it('lowering and ending inform the same people and cancel what no longer applies; nobody is messaged again', async () => {
    const { svc, duty, outbox } = await start();
    const r = (await svc.call('POST', '/v1/responses', { token: duty, body: { ...CITY_IV, level: 'II' } })).body;
    await waitFor(async () => (await outbox('p-cmd')).find((m) => m.text.includes('Ⅱ级(橙色)应急响应')), 8_000, 'the commander told at Ⅱ');
    const lowered = await svc.call('POST', `/v1/responses/${r.id}/adjust`, {
      token: duty,
      body: { level: 'IV', notice: '宁防指〔2023〕6号', reason: '雨势减弱' },
    });
    expect(lowered.body.acts.at(-1).type).toBe('lower');
    await waitFor(
      async () => (await outbox('p-head')).find((m) => m.title.startsWith('【响应调整】') && m.text.includes('宁防指〔2023〕6号')),
      5_000,
      'the lowering',
    );
    const ended = await svc.call('POST', `/v1/responses/${r.id}/end`, { token: duty, body: { notice: '宁防指〔2023〕7号', reason: '雨情趋缓' } });
    expect(ended.body).toMatchObject({ status: 'ended' });
    // Everyone told in either township hears the end, once.
    const told = ended.body.townships.reduce((n: number, t: any) => n + t.people.filter((p: any) => p.notifiedAt).length, 0);
    expect(told).toBeGreaterThanOrEqual(4);
    const ends = await waitFor(
      async () => {
        const o = (await outbox()).filter((m) => m.title.startsWith('【响应终止】'));
        return o.length >= told ? o : null;
      },
      5_000,
      'the end messages',
    );
    expect(ends).toHaveLength(told);
    for (const m of ends) expect(m.text).toContain('宁防指〔2023〕7号');
    for (const t of (await svc.call('GET', '/v1/townships')).body) expect(t.response).toBeNull();
    expect((await svc.call('POST', `/v1/responses/${r.id}/end`, { token: duty, body: { notice: 'x', reason: 'y' } })).status).toBe(409);
    const count = (await outbox()).length;
    await new Promise((res) => setTimeout(res, 2_500)); // two sweeps
    expect((await outbox()).length).toBe(count);
    expect((await svc.call('GET', '/v1/responses?status=ended', { token: duty })).body.map((x: any) => x.id)).toEqual([r.id]);
  });

  it('widens and narrows; a newer act takes a township over in place', async () => {
    const { svc, duty, outbox } = await start();
    const r = (await svc.call('POST', '/v1/responses', { token: duty, body: { ...CITY_IV, scope: { townships: ['341881001'] } } })).body;
    const widened = (
      await svc.call('POST', `/v1/responses/${r.id}/adjust`, {
        token: duty,
        body: { townships: ['341881001', '341881100'], notice: '宁防指〔2023〕8号', reason: '港口镇雨量增大' },
      })
    ).body;
    expect(widened.acts.at(-1).type).toBe('widen');
    await waitFor(async () => (await outbox('p-port')).find((m) => m.text.includes('宁防指〔2023〕8号')), 5_000, 'the widened township told');
    // A township Ⅱ by a new notice takes 港口镇 over from the first response.
    const second = (
      await svc.call('POST', '/v1/responses', {
        token: duty,
        body: { level: 'II', scope: { townships: ['341881100'] }, notice: '宁防指〔2023〕9号', reason: '港口湾水库超汛限2.4米' },
      })
    ).body;
    const first = (await svc.call('GET', `/v1/responses/${r.id}`, { token: duty })).body;
    expect(first.townshipIds).toEqual(['341881001']);
    expect(first.acts.at(-1)).toMatchObject({ type: 'superseded', townshipIds: ['341881100'], byResponseId: second.id });
    const port = (await svc.call('GET', '/v1/townships/341881100')).body.response;
    expect(port).toMatchObject({ id: second.id, level: 'II' });
    // The same call-out was raised in place (its people keep what they did).
    expect(second.townships[0].calloutId).toBe(widened.townships.find((t: any) => t.townshipId === '341881100').calloutId);
    const narrowed = await svc.call('POST', `/v1/responses/${second.id}/adjust`, { token: duty, body: { townships: [], notice: 'x', reason: 'y' } });
    expect(narrowed.status).toBe(400);
    expect((await svc.call('POST', '/v1/responses', { token: duty, body: { ...CITY_IV, scope: { townships: ['nope'] } } })).status).toBe(422);
    expect((await svc.call('POST', '/v1/responses', { token: await svc.token('leader', 'p-lead'), body: CITY_IV })).status).toBe(403);
  });
});

describe('warnings advise', () => {
  const riverAt = (m: number, ago = 60_000) => [{ stationId: 'W1', observedAt: beijing(Date.now() - ago), waterLevelM: m }];

  it('sends the duty room and the commander one recommendation, and launches nothing by itself', async () => {
    const { svc, outbox } = await start();
    const key = await svc.gaugeKey();
    expect((await svc.call('POST', '/v1/readings', { token: key, body: { readings: riverAt(37.3) } })).status).toBe(202);
    const rec = await waitFor(async () => (await outbox('p-cmd')).find((m) => m.title.startsWith('【响应建议】')), 8_000, 'the recommendation');
    expect(rec.text).toContain('建议启动西津街道Ⅱ级应急响应');
    expect(rec.text).toContain('http://fangxun.test/board#responses');
    await new Promise((res) => setTimeout(res, 2_000)); // sweeps look again: nothing new
    expect((await outbox('p-cmd')).filter((m) => m.title.startsWith('【响应建议】'))).toHaveLength(1);
    expect((await svc.call('GET', '/v1/responses')).body).toEqual([]);
    const city = (await svc.call('GET', '/v1/city')).body;
    expect(city.recommendation.townships).toEqual([{ id: '341881001', name: '西津街道', level: 'II' }]);
  });

  it('autoLaunch lets a chosen warning level start a township response', async () => {
    const { svc, outbox } = await start(responseConfig((c) => (c.policy.responses.autoLaunch = ['II', 'I'])));
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { readings: riverAt(37.3) } });
    const t = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.response, 8_000, 'the auto-launched response');
    expect(t).toMatchObject({ level: 'II', notice: '按预案自动启动' });
    const list = (await svc.call('GET', '/v1/responses')).body;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ source: 'auto', createdBy: 'system' });
    await waitFor(async () => (await outbox('p-head')).find((m) => m.text.includes('按预案自动启动')), 5_000, 'the head told');
  });

  it('a warning the duty room resolved does not reopen at the same level while the rain is in the windows; a rise does', async () => {
    const { svc, duty } = await start();
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { readings: riverAt(35.8) } });
    const first = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 8_000, 'the warning');
    expect((await svc.call('POST', `/v1/alerts/${first}/resolve`, { token: duty, body: { reason: '已核实，加强巡查' } })).status).toBe(200);
    await svc.call('POST', '/v1/readings', { token: key, body: { readings: riverAt(35.9, 30_000) } });
    await new Promise((res) => setTimeout(res, 2_500)); // evaluation and two sweeps
    expect((await svc.call('GET', '/v1/townships/341881001')).body).toMatchObject({ level: 'IV', openAlertId: null });
    await svc.call('POST', '/v1/readings', { token: key, body: { readings: riverAt(37.2, 10_000) } });
    const second = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 8_000, 'a new warning on the rise');
    expect(second).not.toBe(first);
    expect((await svc.call('GET', `/v1/alerts/${second}`)).body.level).toBe('II');
  });
});
