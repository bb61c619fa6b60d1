import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, smallDataset, beijing, waitFor, testConfig, MIN, HOUR, type TestService } from './helpers.js';
import { evaluateDirty } from '../src/evaluation/engine.js';

/** Evaluation against Redis: late data, parallel workers, township levels and their events. */
const NOW = Date.parse('2026-07-05T14:00:00+08:00');

describe('evaluation', () => {
  let clock = NOW;
  let svc: TestService;
  let key: string;
  const post = (readings: unknown[]) => svc.call('POST', '/v1/readings', { token: key, body: { readings } });
  const station = async (id: string) => (await svc.call('GET', `/v1/stations/${id}`)).body;

  beforeAll(async () => {
    svc = await startService({ now: () => clock });
    await svc.importData(smallDataset());
    key = await svc.gaugeKey();
  });
  afterAll(() => svc.close());

  it('shows a station as not up to date until it is evaluated', async () => {
    await post([{ stationId: 'R2', observedAt: beijing(NOW - 30 * MIN), rainfallMm: 1 }]);
    expect((await station('R2')).upToDate).toBe(false);
    await svc.evaluate();
    const s = await station('R2');
    expect(s.upToDate).toBe(true);
    expect(s.rainfall['1h']).toBe(1);
  });

  it('re-evaluates the windows a late reading falls in', async () => {
    await post([
      { stationId: 'R1', observedAt: beijing(NOW - 10 * MIN), rainfallMm: 20 },
      { stationId: 'R1', observedAt: beijing(NOW - 5 * MIN), rainfallMm: 20 },
    ]);
    await svc.evaluate();
    let s = await station('R1');
    expect(s.rainfall['3h']).toBe(40);
    expect(s.level).toBeNull();
    // A gauge that lost its link forwards a stored reading from 2 h ago: it belongs in the
    // 3 h window, and lifts the station to II (≥ 50 mm in 3 h).
    await post([{ stationId: 'R1', observedAt: beijing(NOW - 2 * HOUR), rainfallMm: 15 }]);
    await svc.evaluate();
    s = await station('R1');
    expect(s.rainfall['3h']).toBe(55);
    expect(s.rainfall['1h']).toBe(40);
    expect(s.latest.observedAt).toBe(new Date(NOW - 5 * MIN).toISOString()); // late data is not "latest"
    expect(s.level).toBe('II');
    expect(s.reasons[0]).toEqual({ kind: 'rainfall', window: '3h', value: 55, limit: 50, level: 'II' });
    // A reading from 4 h ago is outside the 3 h window but inside 6 h.
    await post([{ stationId: 'R1', observedAt: beijing(NOW - 4 * HOUR), rainfallMm: 5 }]);
    await svc.evaluate();
    s = await station('R1');
    expect(s.rainfall['3h']).toBe(55);
    expect(s.rainfall['6h']).toBe(60);
  });

  it('keeps a silent gauge at its last state (数据中断): missing data is not zero', async () => {
    clock = NOW + 3 * HOUR; // the gauge has sent nothing for 3 h
    await svc.runtime.services.redis.zadd(svc.runtime.services.keys.dirty(), 0, 'R1');
    await svc.evaluate();
    const s = await station('R1');
    expect(s.level).toBe('II');
    expect(s.rainfall['3h']).toBe(55);
    expect(s.stale).toEqual({ since: new Date(NOW - 5 * MIN).toISOString() });
    expect((await svc.call('GET', '/v1/townships/341881001')).body).toMatchObject({ level: 'II', staleStations: ['R1'] }); // not lowered by the silence
    clock = NOW;
  });

  it('rolls windows forward as time passes while the gauge reports no rain', async () => {
    clock = NOW + 3 * HOUR; // the 20 + 20 + 15 mm are now more than 3 h old
    await post([{ stationId: 'R1', observedAt: beijing(clock - MIN), rainfallMm: 0 }]);
    await svc.evaluate();
    const s = await station('R1');
    expect(s.rainfall['3h']).toBe(0);
    expect(s.rainfall['6h']).toBe(55);
    expect(s.level).toBe('III'); // 55 mm in 6 h
    expect(s.stale).toBeNull();
    clock = NOW;
  });
});

describe('parallel evaluation', () => {
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startService({ now: () => NOW });
    await svc.importData(smallDataset());
    key = await svc.gaugeKey();
  });
  afterAll(() => svc.close());

  it('never loses a reading when batches for one station are stored and evaluated at once', async () => {
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => ({ stationId: 'R2', observedAt: beijing(NOW - (b * 50 + i + 1) * 10_000), rainfallMm: 0.1 })),
    );
    // Eight batches posted while three evaluation loops run at once.
    const worker = () => evaluateDirty({ ...svc.engine });
    const posts = batches.map((readings) => svc.call('POST', '/v1/readings', { token: key, body: { readings } }));
    const results = await Promise.all([...posts, worker(), worker(), worker()]);
    for (const r of results.slice(0, 8) as Array<{ status: number; body: any }>) expect(r.body.accepted).toBe(50);
    await Promise.all([worker(), worker()]);
    await svc.evaluate();
    const s = (await svc.call('GET', '/v1/stations/R2')).body;
    expect(s.upToDate).toBe(true);
    // 400 readings × 0.1 mm over the last 4000 s: all inside 3 h, none counted twice.
    expect(s.rainfall['3h']).toBe(40);
    expect(s.rainfall['1h']).toBe(35.9); // 359 readings are younger than one hour
    expect(s.level).toBeNull();
  });

  it('keeps the newest evaluation when an older one commits late', async () => {
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R1', observedAt: beijing(NOW - MIN), rainfallMm: 60 } });
    const { evaluateStations } = await import('../src/evaluation/engine.js');
    // Two evaluations of the same station race: whichever commits, the stored state must
    // reflect every reading stored before it (sequence check in the Lua commit).
    await Promise.all([evaluateStations(svc.engine, ['R1']), evaluateStations(svc.engine, ['R1'])]);
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R1', observedAt: beijing(NOW - 2 * MIN), rainfallMm: 45 } });
    await Promise.all([evaluateStations(svc.engine, ['R1']), svc.evaluate()]);
    const s = (await svc.call('GET', '/v1/stations/R1')).body;
    expect(s.rainfall['1h']).toBe(105);
    expect(s.level).toBe('I');
  });
});

describe('township levels', () => {
  let clock = NOW;
  let svc: TestService;
  let key: string;
  beforeAll(async () => {
    svc = await startService({ now: () => clock });
    await svc.importData(smallDataset());
    key = await svc.gaugeKey();
  });
  afterAll(() => svc.close());
  const post = (readings: unknown[]) => svc.call('POST', '/v1/readings', { token: key, body: { readings } });

  it('rises none → IV → II with an event for each change, naming the evidence', async () => {
    const before = (await svc.call('GET', '/v1/townships/341881001')).body;
    expect(before.level).toBeNull();
    expect(before.liaisonLeaders).toEqual([{ id: 'p-a', name: '市领导甲', title: '副市长' }]);

    // 30 + 25 mm over 9 h at R1 (≥ 50 mm in 12 h) → IV.
    await post([
      { stationId: 'R1', observedAt: beijing(NOW - 9 * HOUR), rainfallMm: 30 },
      { stationId: 'R1', observedAt: beijing(NOW - 4 * HOUR), rainfallMm: 25 },
      { stationId: 'R1', observedAt: beijing(NOW - MIN), rainfallMm: 0 }, // the gauge is reporting (dry now)
    ]);
    const first = await svc.evaluate();
    expect(first.changes).toEqual([expect.objectContaining({ townshipId: '341881001', from: null, to: 'IV' })]);
    let t = (await svc.call('GET', '/v1/townships/341881001')).body;
    expect(t.level).toBe('IV');
    expect(t.reasons[0]).toMatchObject({ kind: 'rainfall', window: '12h', value: 55, limit: 50, level: 'IV', stationId: 'R1' });
    expect(t.agreeing).toEqual(['R1']);

    // River W1 over its guarantee level (37.0) → II.
    clock = NOW + 10 * MIN;
    await post([{ stationId: 'W1', observedAt: beijing(NOW + 5 * MIN), waterLevelM: 37.2 }]);
    const second = await svc.evaluate();
    expect(second.changes).toEqual([expect.objectContaining({ from: 'IV', to: 'II' })]);
    t = (await svc.call('GET', '/v1/townships/341881001')).body;
    expect(t.level).toBe('II');
    expect(t.reasons[0]).toMatchObject({ kind: 'river', threshold: 'guarantee', value: 37.2, limit: 37, level: 'II', stationId: 'W1' });
    expect(t.stations.map((s: any) => s.id).sort()).toEqual(['R1', 'R2', 'W1']);

    // Re-evaluating without change records nothing.
    await svc.runtime.services.redis.zadd(svc.runtime.services.keys.dirty(), 0, 'W1');
    expect((await svc.evaluate()).changes).toEqual([]);

    const events = (await svc.call('GET', '/v1/townships/341881001/events')).body;
    expect(events.map((e: any) => [e.from, e.to])).toEqual([
      ['IV', 'II'],
      [null, 'IV'],
    ]);
    expect(events[0]).toMatchObject({ townshipId: '341881001', at: new Date(NOW + 10 * MIN).toISOString() });
    expect(events[0].reasons[0]).toMatchObject({ kind: 'river', stationId: 'W1' });
    // The other township saw nothing.
    expect((await svc.call('GET', '/v1/townships/341881100/events')).body).toEqual([]);
  });
});

describe('township corroboration from config', () => {
  it('holds a lone gauge at the corroborated level and names it', async () => {
    const config = testConfig((c) => {
      c.levels.township = { aggregate: 'max', minStations: { I: 2, II: 2 } };
    });
    const svc = await startService({ config, now: () => NOW });
    try {
      await svc.importData(smallDataset());
      const key = await svc.gaugeKey();
      await svc.call('POST', '/v1/readings', {
        token: key,
        body: {
          readings: [
            { stationId: 'R1', observedAt: beijing(NOW - 30 * MIN), rainfallMm: 55 },
            { stationId: 'R1', observedAt: beijing(NOW - 20 * MIN), rainfallMm: 55 },
          ],
        },
      });
      await svc.evaluate();
      const t = (await svc.call('GET', '/v1/townships/341881001')).body;
      expect(t.stations.find((s: any) => s.id === 'R1').level).toBe('I');
      expect(t.level).toBe('III'); // 110 mm in 6 h also matches III, which needs no corroboration
      expect(t.uncorroborated).toEqual([
        { level: 'I', required: 2, stationIds: ['R1'] },
        { level: 'II', required: 2, stationIds: ['R1'] },
      ]);
    } finally {
      await svc.close();
    }
  });
});

describe('BullMQ workers', () => {
  it('evaluate what the API accepted, without anyone calling evaluate', async () => {
    const svc = await startService({ workers: true });
    try {
      await svc.importData(smallDataset());
      const key = await svc.gaugeKey();
      const now = Date.now();
      const res = await svc.call('POST', '/v1/readings', {
        token: key,
        body: { readings: [{ stationId: 'K1', observedAt: beijing(now - 2 * MIN), waterLevelM: 141.0 }] },
      });
      expect(res.status).toBe(202);
      const s = await waitFor(
        async () => {
          const body = (await svc.call('GET', '/v1/stations/K1')).body;
          return body.upToDate && body.level ? body : null;
        },
        5_000,
        'the worker to evaluate K1',
      );
      expect(s.level).toBe('II'); // above design (140.5), below check (142)
      const t = await waitFor(
        async () => {
          const body = (await svc.call('GET', '/v1/townships/341881100')).body;
          return body.level ? body : null;
        },
        5_000,
        'the township level',
      );
      expect(t.level).toBe('II');
    } finally {
      await svc.close();
    }
  });
});

describe('urgent readings', () => {
  it('evaluate a station whose level reached a threshold before an older backlog', async () => {
    const svc = await startService({ now: () => NOW });
    try {
      await svc.importData(smallDataset());
      const key = await svc.gaugeKey();
      const { redis, keys } = svc.runtime.services;
      // A backlog: rain at R1 and R2 first, then W1 at its warning level.
      await svc.call('POST', '/v1/readings', {
        token: key,
        body: {
          readings: [
            { stationId: 'R1', observedAt: beijing(NOW - 60_000), rainfallMm: 1 },
            { stationId: 'R2', observedAt: beijing(NOW - 60_000), rainfallMm: 1 },
          ],
        },
      });
      await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(NOW - 30_000), waterLevelM: 35.6 } });
      await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'K1', observedAt: beijing(NOW - 30_000), waterLevelM: 120.0 } }); // below its thresholds
      expect(await redis.zrange(keys.urgent(), 0, -1)).toEqual(['W1']);
      const first = await redis.fxClaim(keys.dirty(), keys.inflight(), keys.urgent(), NOW, 60_000, 1, 'c1');
      expect(first).toEqual(['W1']);
      const rest = await redis.fxClaim(keys.dirty(), keys.inflight(), keys.urgent(), NOW, 60_000, 10, 'c2');
      expect(rest.sort()).toEqual(['K1', 'R1', 'R2']);
    } finally {
      await svc.close();
    }
  });

  it('let a station gather readings for `settle` under a backlog, but not an urgent one or without a backlog', async () => {
    const svc = await startService({ now: () => NOW });
    try {
      const { redis, keys } = svc.runtime.services;
      const claim = (count: number, at: number) => redis.fxClaim(keys.dirty(), keys.inflight(), keys.urgent(), at, 60_000, count, `c${at}`, 1_000);
      // A backlog (3 dirty, claims of 2): R1 and R2 were marked just now, K1 1.5 s ago, W1 just now but urgent.
      await redis.zadd(keys.dirty(), NOW - 1_500, 'K1', NOW, 'R1', NOW, 'R2', NOW, 'W1');
      await redis.zadd(keys.urgent(), NOW, 'W1');
      expect(await claim(2, NOW)).toEqual(['W1']); // urgent ones make a claim of their own
      expect(await claim(2, NOW)).toEqual(['K1']);
      // No backlog any more (2 dirty, claims of 2): taken at once.
      expect((await claim(2, NOW)).sort()).toEqual(['R1', 'R2']);
      // A backlog again: nothing has waited 1 s yet; a moment later everything has.
      await redis.zadd(keys.dirty(), NOW, 'R1', NOW, 'R2', NOW, 'K1');
      expect(await claim(2, NOW + 500)).toEqual([]);
      expect(await claim(2, NOW + 1_000)).toHaveLength(2);
    } finally {
      await svc.close();
    }
  });
});

describe('long windows from the daily archive (antecedent rain)', () => {
  it('counts rain of the last 72 h, 7 days and the season (since seasonStart) after it left the hot readings', async () => {
    const NOW = Date.parse('2026-07-07T10:00:00+08:00');
    const config = testConfig((c) => {
      c.levels.seasonStart = '06-10';
      c.levels.rainfall = [...c.levels.rainfall, { window: '7d', mm: 150, level: 'IV' }];
    });
    const svc = await startService({ config, now: () => NOW });
    try {
      await svc.importData(smallDataset());
      const key = await svc.gaugeKey();
      const post = (readings: unknown[]) => svc.call('POST', '/v1/readings', { token: key, body: { readings } });
      // 2 days, 5 days ago (archived: older than the 26 h of hot readings), and 1 h ago (hot).
      expect(
        (
          await post([
            { stationId: 'R1', observedAt: beijing(NOW - 2 * 86_400_000), rainfallMm: 40 },
            { stationId: 'R1', observedAt: beijing(NOW - 2 * 86_400_000 + 5 * MIN), rainfallMm: 30 },
            { stationId: 'R1', observedAt: beijing(NOW - 5 * 86_400_000), rainfallMm: 50 },
            { stationId: 'R1', observedAt: beijing(NOW - HOUR), rainfallMm: 35 },
            { stationId: 'R1', observedAt: beijing(NOW - MIN), rainfallMm: 0 },
          ])
        ).status,
      ).toBe(202);
      await svc.evaluate();
      // A second evaluation reads the archived readings back from the daily totals only.
      await svc.runtime.services.redis.zadd(svc.runtime.services.keys.dirty(), 0, 'R1');
      await svc.evaluate();
      const s = (await svc.call('GET', '/v1/stations/R1')).body;
      expect(s.rainfall['24h']).toBe(35);
      expect(s.rainfall['72h']).toBe(105);
      expect(s.rainfall['7d']).toBe(155);
      expect(s.rainfall.season).toBe(155);
      expect(s.level).toBe('IV'); // 155 mm in 7 days ≥ 150
      expect(s.reasons).toContainEqual({ kind: 'rainfall', window: '7d', value: 155, limit: 150, level: 'IV' });
      // The hot hash no longer holds them: the totals came from the archive.
      expect(await svc.runtime.services.redis.hlen(svc.runtime.services.keys.stationReadings('R1'))).toBe(2);
      expect(Object.keys(await svc.runtime.services.redis.hgetall(svc.runtime.services.keys.stationDays('R1')))).toHaveLength(2);
    } finally {
      await svc.close();
    }
  });
});
