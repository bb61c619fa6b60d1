import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startService, alertDataset, beijing, waitFor, testConfig, MIN, HOUR, type TestService } from './helpers.js';
import { dailyReport } from '../src/domain/dailyReport.js';
import { staleCheck } from '../src/domain/staleGauges.js';
import { smsCost } from '../src/channels/segments.js';
import { fireSlot, RedisSlotLock, type ScheduledJob } from '../src/scheduled/cron.js';

/** Scheduled duties: stale gauges, silences, shift reminders, the daily report, the slot lock. */
const log = pino({ level: 'silent' });

describe('stale-gauge check (pure)', () => {
  const now = Date.parse('2026-07-05T12:00:00+08:00');
  it('calls a gauge offline after max(3 × interval, 30 min), once per outage, and back when it reports', () => {
    const stations = [
      { id: 'a', intervalMinutes: 5, seenAt: now - 31 * MIN },
      { id: 'b', intervalMinutes: 5, seenAt: now - 29 * MIN },
      { id: 'c', intervalMinutes: 60, seenAt: now - 179 * MIN },
      { id: 'd', intervalMinutes: 60, seenAt: now - 181 * MIN },
      { id: 'e', intervalMinutes: 5, seenAt: null },
    ];
    const first = staleCheck(stations, new Map(), new Map(), now);
    expect(first.wentOffline.map((o) => o.id)).toEqual(['a', 'd']);
    const again = staleCheck(
      stations,
      new Map([
        ['a', now - 31 * MIN],
        ['d', now - 181 * MIN],
      ]),
      new Map(),
      now + MIN,
    );
    expect(again.wentOffline).toEqual([]);
    const back = staleCheck([{ id: 'a', intervalMinutes: 5, seenAt: now + 2 * MIN }], new Map([['a', now - 31 * MIN]]), new Map(), now + 3 * MIN);
    expect(back.recovered).toEqual([{ id: 'a', offlineSince: now - 31 * MIN, seenAt: now + 2 * MIN }]);
    const silenced = staleCheck(stations, new Map(), new Map([['a', { until: now + HOUR, reason: '雷击损坏', by: 'admin' }]]), now);
    expect(silenced.wentOffline.map((o) => o.id)).toEqual(['d']);
  });

  it('names the duty shift of the day, on a quiet day too', () => {
    const base = {
      date: '2026-07-05',
      dayStartHour: 8,
      townships: [{ id: 't', name: '西津街道', meanMm: 0, top: [], highestLevel: null }],
      alerts: 0,
      acks: 0,
      medianAckSeconds: null,
      missedAcks: 0,
      missedArrivals: 0,
      timeZone: 'Asia/Shanghai',
    };
    const one = dailyReport({
      ...base,
      duty: [{ start: Date.parse('2026-07-05T08:00:00+08:00'), leader: '带班领导丙', officers: ['值班员乙', '值班员丁'], phone: '0563-4012345' }],
    });
    expect(one.text).toBe(
      '2026年07月05日08时至07月06日08时：全市无降雨，无应急响应，无预警。零报告。\n值班：带班领导带班领导丙，值班员值班员乙、值班员丁（值班电话0563-4012345）。',
    );
    const two = dailyReport({
      ...base,
      townships: [{ id: 't', name: '西津街道', meanMm: 20, top: [{ name: '西津雨量站', mm: 20 }], highestLevel: null }],
      duty: [
        { start: Date.parse('2026-07-05T08:00:00+08:00'), leader: '带班领导丙', officers: ['值班员乙'] },
        { start: Date.parse('2026-07-05T20:00:00+08:00'), leader: '指挥长丁', officers: ['值班员丁'] },
      ],
    });
    expect(two.text.split('\n').at(-1)).toBe('值班：07月05日 08:00起带班领导带班领导丙，值班员值班员乙；07月05日 20:00起带班领导指挥长丁，值班员值班员丁。');
    expect(dailyReport({ ...base, duty: [] }).text).toMatch(/\n值班：当日未排班。$/);
  });

  it('writes a 零报告 when nothing happened, and the figures when something did', () => {
    const quiet = dailyReport({
      date: '2026-07-05',
      dayStartHour: 8,
      townships: [{ id: 't', name: '西津街道', meanMm: 0, top: [], highestLevel: null }],
      alerts: 0,
      acks: 0,
      medianAckSeconds: null,
      missedAcks: 0,
      missedArrivals: 0,
    });
    expect(quiet.zero).toBe(true);
    expect(quiet.text).toBe('2026年07月05日08时至07月06日08时：全市无降雨，无应急响应，无预警。零报告。');
    const storm = dailyReport({
      date: '2026-07-31',
      dayStartHour: 8,
      townships: [
        {
          id: 't',
          name: '西津街道',
          meanMm: 61.04,
          top: [
            { name: '西津雨量站', mm: 114 },
            { name: '西津第二雨量站', mm: 8.08 },
          ],
          highestLevel: 'II',
        },
        { id: 'u', name: '港口镇', meanMm: 12, top: [{ name: '港口雨量站', mm: 12 }], highestLevel: null },
      ],
      alerts: 1,
      acks: 2,
      medianAckSeconds: 200,
      missedAcks: 1,
      missedArrivals: 0,
    });
    expect(storm.zero).toBe(false);
    expect(storm.text).toContain('2026年07月31日08时至08月01日08时：');
    expect(storm.text).toContain('全市平均降雨 36.5 毫米，最大 西津雨量站 114.0、港口雨量站 12.0、西津第二雨量站 8.1 毫米。');
    expect(storm.text).toContain('西津街道：平均 61.0 毫米，最大 西津雨量站 114.0、西津第二雨量站 8.1 毫米。');
    expect(storm.text).toContain('最高预警：西津街道Ⅱ级(橙色)。');
    expect(storm.text).toContain('防指未启动应急响应。');
    const declared = dailyReport({
      date: '2023-07-05',
      dayStartHour: 8,
      townships: [{ id: 't', name: '西津街道', meanMm: 61, top: [{ name: '西津雨量站', mm: 70 }], highestLevel: 'IV' }],
      alerts: 1,
      acks: 2,
      medianAckSeconds: 60,
      missedAcks: 0,
      missedArrivals: 1,
      responses: [
        { level: 'IV', scope: '全市', noticeNumber: '宁防指〔2023〕4号', startedAt: Date.parse('2023-07-05T09:00:00+08:00'), endedAt: null, endNotice: null },
      ],
      arrivals: { required: 30, arrived: 28, late: 2, missed: 1 },
      timeZone: 'Asia/Shanghai',
    });
    expect(declared.text).toContain('应急响应：全市防汛Ⅳ级(蓝色)应急响应（宁防指〔2023〕4号）07月05日 09:00启动，继续执行。');
    expect(declared.text).toContain('到岗到位：应到岗 30 人，已到岗 28 人（其中超时 2 人），超时未到岗 1 人次。');
    expect(storm.text).toContain('预警 1 起，确认 2 人次，确认用时中位数 3 分 20 秒；超时未确认 1 人次');
  });

  it('reports 水情 against 警戒/保证 and 汛限, the wettest gauges, and an SMS short form with the link to the full one', () => {
    const input = {
      date: '2020-07-06',
      dayStartHour: 8,
      townships: [
        {
          id: 't',
          name: '河沥溪街道',
          meanMm: 80,
          top: [
            { name: '河沥长虹', mm: 114 },
            { name: '河沥溪', mm: 60 },
          ],
          highestLevel: 'III' as const,
        },
        { id: 'u', name: '霞西镇', meanMm: 70, top: [{ name: '霞西朱村', mm: 97 }], highestLevel: 'II' as const },
      ],
      alerts: 2,
      acks: 4,
      medianAckSeconds: 120,
      missedAcks: 0,
      missedArrivals: 0,
      responses: [
        {
          level: 'II' as const,
          scope: '全市',
          noticeNumber: '宁防指〔2020〕7号',
          startedAt: Date.parse('2020-07-06T20:00:00+08:00'),
          endedAt: null,
          endNotice: null,
        },
      ],
      water: [
        { name: '水阳江宁国站', kind: 'river' as const, peakM: 35.8, warning: 35.5, guarantee: 37.0 },
        { name: '港口湾水库', kind: 'reservoir' as const, peakM: 135.4, floodLimit: 133.0 },
        { name: '西津河宁国站', kind: 'river' as const, peakM: 37.25, warning: 35.5, guarantee: 37.0 },
        { name: '青龙湾水库', kind: 'reservoir' as const, peakM: 40.1, floodLimit: 41.0 },
      ],
      timeZone: 'Asia/Shanghai',
    };
    const r = dailyReport(input, 'https://fx.ningguo.gov.cn/board/daily/2020-07-06');
    expect(r.text).toContain('全市平均降雨 75.0 毫米，最大 河沥长虹 114.0、霞西朱村 97.0、河沥溪 60.0 毫米。');
    // Over 保证 first, then over 警戒/汛限 by excess; below a stage says by how much.
    expect(r.text).toContain(
      '水情：西津河宁国站最高水位37.25米，超保证0.25米；港口湾水库最高水位135.4米，超汛限2.4米；水阳江宁国站最高水位35.8米，超警戒0.3米；青龙湾水库最高水位40.1米，低于汛限0.9米。',
    );
    expect(r.sms).toBe(
      '【防汛日报】07月06日全市平均降雨75.0毫米，最大河沥长虹114.0毫米；西津河宁国站超保证0.25米；港口湾水库超汛限2.4米等3站；全市Ⅱ级(橙色)应急响应（宁防指〔2020〕7号）继续执行；最高预警霞西镇Ⅱ级(橙色)。全文：https://fx.ningguo.gov.cn/board/daily/2020-07-06',
    );
    expect(smsCost(r.sms).segments).toBeLessThanOrEqual(3);
    expect(smsCost(r.text).segments).toBeGreaterThan(smsCost(r.sms).segments);
    // Nothing over a stage: said once; water over a stage alone is no 零报告.
    const calm = dailyReport({ ...input, water: [input.water[3]!] });
    expect(calm.text).toContain('水情：青龙湾水库最高水位40.1米，低于汛限0.9米。各河道水库均未超警戒（汛限）。');
    const quietButHigh = dailyReport({ ...input, townships: [], alerts: 0, responses: [], water: [input.water[1]!] });
    expect(quietButHigh.zero).toBe(false);
    expect(quietButHigh.text).toContain('超汛限2.4米');
  });
});

describe('duties against Redis', () => {
  let clock = Date.now();
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startService({
      config: testConfig((c) => (c.policy.delivery = { attempts: 1, backoff: 50, concurrency: 5, bundleWithin: 0 })),
      workers: true,
      drill: true,
      now: () => clock,
    });
    await svc.importData(alertDataset('http://hooks.test', clock));
    key = await svc.gaugeKey();
  });
  afterAll(() => svc.close());
  const outbox = async (personId: string) => (await svc.call('GET', `/v1/admin/outbox?personId=${personId}`)).body as Array<{ title: string; text: string }>;

  it('tells the duty room once when a gauge goes silent, keeps quiet while silenced, and says when it is back', async () => {
    const t0 = clock;
    await svc.call('POST', '/v1/readings', {
      token: key,
      body: {
        readings: [
          { stationId: 'R1', observedAt: beijing(t0 - MIN), rainfallMm: 0 },
          { stationId: 'R2', observedAt: beijing(t0 - MIN), rainfallMm: 0 },
        ],
      },
    });
    clock = t0 + 31 * MIN;
    const run = async () => (await svc.call('POST', '/v1/admin/duties/stale-gauges/run')).body.result;
    // R2 is silenced (broken); its readings are still taken, its outage not announced.
    const silence = await svc.call('PUT', '/v1/admin/stations/R2/silence', {
      body: { until: new Date(clock + 5 * HOUR).toISOString(), reason: '雷击损坏，待维修' },
    });
    expect(silence.status).toBe(200);
    expect(await run()).toEqual({ offline: ['R1'], recovered: [] });
    expect(await run()).toEqual({ offline: [], recovered: [] }); // once per outage
    const offline = await waitFor(async () => (await outbox('p-duty')).find((m) => m.title === '【测站离线】西津雨量站') ?? null, 5_000, 'the offline notice');
    expect(offline.text).toContain('已超过 30 分钟未报数据');
    await waitFor(async () => (await outbox('p-shift')).some((m) => m.title === '【测站离线】西津雨量站'), 5_000, 'the shift leader told too');
    expect((await svc.call('GET', '/v1/admin/silences')).body).toEqual([
      expect.objectContaining({ stationId: 'R2', reason: '雷击损坏，待维修', active: true }),
    ]);
    // The silence and the outage show wherever the station does.
    expect((await svc.call('GET', '/v1/stations/R2')).body.silence).toMatchObject({ reason: '雷击损坏，待维修' });
    expect((await svc.call('GET', '/v1/stations/R1')).body.offlineSince).toBe(new Date(t0).toISOString());
    expect((await svc.call('GET', '/v1/townships/341881001')).body.stations.find((x: any) => x.id === 'R2').silence.reason).toBe('雷击损坏，待维修');
    const r2 = await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R2', observedAt: beijing(clock - MIN), rainfallMm: 0.5 } });
    expect(r2.body.accepted).toBe(1);

    // R1 reports again (a resent, duplicate report counts: the gauge is alive).
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R1', observedAt: beijing(t0 - MIN), rainfallMm: 0 } });
    expect(await run()).toEqual({ offline: [], recovered: ['R1'] });
    await waitFor(async () => (await outbox('p-duty')).find((m) => m.title === '【测站恢复】西津雨量站') ?? null, 5_000, 'the recovery notice');
    const notices = (await svc.call('GET', '/v1/notices?kind=gauge-offline')).body;
    expect(notices).toHaveLength(1);
    expect(notices[0].personIds.sort()).toEqual(['p-duty', 'p-shift']);
    expect((await svc.call('DELETE', '/v1/admin/stations/R2/silence')).status).toBe(204);
    clock = t0;
  });

  it('bundles the gauges that fall silent together into one notice per person', async () => {
    const t0 = clock;
    await svc.call('POST', '/v1/readings', {
      token: key,
      body: {
        readings: ['R1', 'R2', 'W1'].map((stationId) => ({
          stationId,
          observedAt: beijing(t0 - MIN),
          ...(stationId === 'W1' ? { waterLevelM: 30 } : { rainfallMm: 0 }),
        })),
      },
    });
    const run = async () => (await svc.call('POST', '/v1/admin/duties/stale-gauges/run')).body.result;
    await run();
    const before = (await outbox('p-duty')).length;
    clock = t0 + 40 * MIN;
    expect((await run()).offline.sort()).toEqual(['R1', 'R2', 'W1']);
    const bundled = await waitFor(async () => (await outbox('p-duty')).find((m) => m.title.includes('等3个测站')) ?? null, 5_000, 'the bundled notice');
    for (const name of ['西津雨量站', '西津第二雨量站', '西津河宁国站']) expect(bundled.text).toContain(name);
    expect(bundled.text).toContain('数据中断');
    await new Promise((r) => setTimeout(r, 300));
    expect((await outbox('p-duty')).length).toBe(before + 1);
    clock = t0;
  });

  it('reminds the people of a shift 30 minutes before it starts, once', async () => {
    const start = new Date(clock + 20 * MIN).toISOString();
    const end = new Date(clock + 24 * HOUR).toISOString();
    await svc.importData({ shifts: [{ id: 'shift-next', start, end, leaderId: 'p-cmd', officerIds: ['p-head'], phone: '0563-4012345' }] } as never);
    const first = (await svc.call('POST', '/v1/admin/duties/shift-reminders/run')).body.result;
    expect(first).toBe(1);
    expect((await svc.call('POST', '/v1/admin/duties/shift-reminders/run')).body.result).toBe(0);
    const msg = await waitFor(async () => (await outbox('p-head')).find((m) => m.title === '【值班提醒】') ?? null, 5_000, 'the reminder');
    expect(msg.text).toContain('带班领导：指挥长丁；值班员：西津街道主任；值班电话：0563-4012345');
  });

  it('sends the 08:00 daily report to the duty room, 零报告 on a quiet day, once per day', async () => {
    const res = await svc.call('POST', '/v1/admin/duties/daily-report/run');
    expect(res.status).toBe(200);
    expect(typeof res.body.result).toBe('string');
    expect((await svc.call('POST', '/v1/admin/duties/daily-report/run')).body.result).toBeNull();
    const report = (await svc.call('GET', '/v1/notices?kind=daily-report')).body[0];
    expect(report.title).toMatch(/^【防汛日报】\d\d月\d\d日$/);
    expect(report.personIds).toEqual(expect.arrayContaining(['p-duty', 'p-shift']));
    expect(await svc.call('POST', '/v1/admin/duties/nope/run')).toMatchObject({ status: 404 });
  });

  it("reports the day's water against its stages, by SMS in short with a link to the full 日报 on the board", async () => {
    const t0 = clock;
    // The next 08:00 Beijing (+30 s): the report is of the hydrological day that just ended.
    // 08:00 Beijing is 00:00 UTC; the day after the one the test above reported (its label is t0's UTC date).
    clock = Math.floor(t0 / (24 * HOUR) + 2) * 24 * HOUR + 30_000;
    const date = new Date(clock - 24 * HOUR).toISOString().slice(0, 10);
    const month = Number(new Date(clock + 8 * HOUR).toISOString().slice(5, 7));
    const floodLimit = month >= 5 && month <= 9 ? 133.0 : 135.5; // K1's seasonal 汛限
    await svc.importData({
      people: [{ id: 'p-sms', name: '值班员戊', contacts: [{ channel: 'sms', to: '+8613800000009' }] }],
      shifts: [
        {
          id: 'shift-daily',
          start: new Date(clock - HOUR).toISOString(),
          end: new Date(clock + HOUR).toISOString(),
          leaderId: 'p-shift',
          officerIds: ['p-sms'],
        },
      ],
    } as never);
    const readings = [
      { stationId: 'W1', observedAt: beijing(clock - 2 * HOUR), waterLevelM: 35.8 },
      { stationId: 'K1', observedAt: beijing(clock - 2 * HOUR), waterLevelM: floodLimit + 2.4 },
      { stationId: 'R1', observedAt: beijing(clock - 3 * HOUR), rainfallMm: 30 },
    ];
    expect((await svc.call('POST', '/v1/readings', { token: key, body: { readings } })).body.accepted).toBe(3);
    const ran = await svc.call('POST', '/v1/admin/duties/daily-report/run');
    expect(typeof ran.body.result, JSON.stringify(ran.body)).toBe('string');
    const report = (await svc.call('GET', '/v1/notices?kind=daily-report')).body.find((n: any) => n.key === `daily-report:${date}`);
    expect(report.text).toContain(`港口湾水库最高水位${floodLimit + 2.4}米，超汛限2.4米；西津河宁国站最高水位35.8米，超警戒0.3米`);
    expect(report.text).toContain('最大 西津雨量站 30.0 毫米');
    expect(report.text).toMatch(/值班：.*带班领导带班领导丙，值班员值班员戊/); // the shift of the day the report covers
    expect(report.smsText).toContain('港口湾水库超汛限2.4米；西津河宁国站超警戒0.3米');
    expect(report.smsText).toMatch(new RegExp(`全文：https?://[^/]+/board/daily/${date}$`));
    // By SMS the short form, on the other channels the whole report.
    const bySms = await waitFor(async () => (await outbox('p-sms')).find((m: any) => m.title === report.title) ?? null, 5_000, 'the report by SMS');
    expect(bySms).toMatchObject({ channel: 'sms', text: report.smsText });
    expect(smsCost(bySms.text).segments).toBeLessThanOrEqual(3);
    const byHook = await waitFor(async () => (await outbox('p-shift')).find((m: any) => m.title === report.title) ?? null, 5_000, 'the report by webhook');
    expect(byHook.text).toBe(report.text);
    // The link opens the full report for staff; others sign in first.
    const page = await svc.runtime.app.request(`/board/daily/${date}`, { headers: { authorization: 'Bearer test-admin-token' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('水情：港口湾水库最高水位');
    expect(html).toContain(report.title);
    expect((await svc.runtime.app.request(`/board/daily/${date}`)).status).toBe(302);
    expect((await svc.runtime.app.request('/board/daily/1999-01-01', { headers: { authorization: 'Bearer test-admin-token' } })).status).toBe(404);
    clock = t0;
  });
});

describe('cron slot lock', () => {
  it('fires a slot once with two schedulers, and the next slot again', async () => {
    const svc = await startService();
    try {
      const { redis, keys } = svc.runtime.services;
      const a = new RedisSlotLock(redis, keys);
      const b = new RedisSlotLock(redis, keys);
      let runs = 0;
      const job: ScheduledJob = { name: 'test-duty', expression: '* * * * *', holdMs: 60_000, run: async () => void runs++ };
      const slot = new Date('2026-07-05T00:00:00Z');
      const fired = await Promise.all([fireSlot(job, slot, a, log), fireSlot(job, slot, b, log), fireSlot(job, new Date(slot.getTime() + 500), b, log)]);
      expect(fired.filter(Boolean)).toHaveLength(1);
      expect(runs).toBe(1);
      expect(await fireSlot(job, new Date(slot.getTime() + 60_000), b, log)).toBe(true);
      expect(runs).toBe(2);
      // The lock outlives the slot: it is not released when the run ends.
      expect(await redis.pttl(keys.cronSlot('test-duty', slot.toISOString()))).toBeGreaterThan(50_000);
    } finally {
      await svc.close();
    }
  });
});
