import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, testConfig, fastCallouts, waitFor, HOUR, MIN, type TestService } from './helpers.js';
import { checkArrival } from '../src/domain/alerts/index.js';

/** Arrival that means something (到岗): far, without a location, or at several posts within minutes is flagged and told. */
describe('checkArrival', () => {
  const policy = { arrivalRadiusM: 2_000, arrivalMultiPostWithin: 10 * MIN };
  const post = { lat: 30.63, lon: 118.98 };
  const t = Date.parse('2026-07-05T09:00:00+08:00');

  it('passes an arrival at the post with a location', () => {
    expect(checkArrival('A', { lat: 30.6305, lon: 118.9805 }, post, [], t, policy)).toMatchObject({
      far: false,
      noLocation: false,
      multiPost: [],
      flagged: false,
    });
  });

  it('flags far (with the distance), no location, and other posts within the window only', () => {
    const far = checkArrival('A', { lat: 31.09, lon: 118.98 }, post, [], t, policy);
    expect(far).toMatchObject({ far: true, flagged: true });
    expect(far.distanceM).toBeGreaterThan(50_000);
    expect(checkArrival('A', null, post, [], t, policy)).toMatchObject({ noLocation: true, distanceM: null, flagged: true });
    const others = [
      { townshipId: 'B', at: t - 9 * MIN },
      { townshipId: 'C', at: t - 11 * MIN },
      { townshipId: 'A', at: t - MIN },
    ];
    expect(checkArrival('A', post, post, others, t, policy)).toMatchObject({ multiPost: ['B'], flagged: true });
  });
});

describe('doubtful arrivals end to end', () => {
  let svc: TestService;
  beforeAll(async () => {
    const config = testConfig((c) => {
      fastCallouts(c);
      for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.levels[l] = { ...c.policy.levels[l], ackWithin: HOUR, arriveWithin: 2 * HOUR };
    });
    svc = await startService({ config, workers: true, drill: true });
    await svc.importData(alertDataset('http://hooks.test'));
  });
  afterAll(() => svc.close());

  it('marks a far arrival and a location-less one at a second post minutes later, tells the duty room, keeps them in the ledger and CSV', async () => {
    const duty = await svc.token('duty', 'p-duty');
    const declare = (tid: string) =>
      svc.call('POST', `/v1/townships/${tid}/declare`, { token: duty, body: { level: 'III', notice: '宁防指〔2026〕7号', reason: '强降雨' } });
    const xijin = (await declare('341881001')).body.id as string;
    const port = (await declare('341881100')).body.id as string;
    const leader = await svc.token('leader', 'p-lead');
    // 51 km north of 西津街道's post (30.63, 118.98).
    const far = await svc.call('POST', `/v1/alerts/${xijin}/arrive`, { token: leader, body: { lat: 31.09, lon: 118.98 } });
    expect(far.status).toBe(200);
    expect(far.body).toMatchObject({ outcome: 'arrived', farFromPost: true });
    const r1 = far.body.alert.recipients.find((r: any) => r.personId === 'p-lead');
    expect(r1.arrival).toMatchObject({ far: true, noLocation: false, multiPost: [], flagged: true });
    expect(r1.arrival.distanceM).toBeGreaterThan(50_000);

    // The same leader "arrives" at 港口镇 without a location a moment later: two flags.
    const second = await svc.call('POST', `/v1/alerts/${port}/arrive`, { token: leader, body: {} });
    expect(second.status).toBe(200);
    const r2 = second.body.alert.recipients.find((r: any) => r.personId === 'p-lead');
    expect(r2.arrival).toMatchObject({ noLocation: true, multiPost: ['341881001'], flagged: true });

    // The duty room is told, in Chinese, once per arrival.
    const notices = await waitFor(
      async () => {
        const list = (await svc.call('GET', '/v1/notices?kind=arrival-doubt')).body as any[];
        return list.length >= 2 ? list : null;
      },
      5_000,
      'two arrival notices',
    );
    const texts = notices.map((n) => n.text).join('\n');
    expect(texts).toMatch(/市领导甲于.+报到岗，距指挥部5\d\.\d公里/);
    expect(texts).toContain('未提供位置，10分钟内在西津街道也报到岗');
    for (const n of notices) expect(n.personIds).toEqual(expect.arrayContaining(['p-duty', 'p-shift']));

    // The alert page and the ledger show them; the CSV says why.
    const page = await svc.runtime.app.request(`/board/alerts/${encodeURIComponent(xijin)}`, { headers: { authorization: `Bearer ${duty}` } });
    expect(await page.text()).toContain('距指挥部5');
    const ledger = (await svc.call('GET', '/v1/reports/accountability')).body;
    const flagged = ledger.entries.filter((e: any) => e.type === 'arrive' && e.arrival?.flagged);
    expect(flagged.map((e: any) => e.township).sort()).toEqual(['港口镇', '西津街道']);
    expect(ledger.people.find((p: any) => p.personId === 'p-lead').doubtfulArrivals).toBe(2);
    const csv = await svc.runtime.app.request('/v1/reports/accountability', { headers: { authorization: 'Bearer test-admin-token', accept: 'text/csv' } });
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toContain('到岗核查');
    expect(text).toContain('未提供位置；10分钟内在西津街道也报到岗');
  });
});
