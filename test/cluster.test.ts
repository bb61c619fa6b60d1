import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import calculateSlot from 'cluster-key-slot';
import { Keys } from '../src/store/keys.js';
import { isCluster } from '../src/store/batch.js';
import { allKeys, beijing, MIN, smallDataset, startService, type TestService } from './helpers.js';

/**
 * R6: the key layout a Redis Cluster needs, and the suite's own Redis mode. `npm test` runs
 * everything on one Redis; `npm run test:cluster` runs the same suite on a 3-node cluster,
 * where any multi-key step across slots fails with CROSSSLOT.
 */
const keys = new Keys('fx');
const slot = (k: string) => calculateSlot(k);
const sameSlot = (list: string[]) => new Set(list.map(slot)).size === 1;

describe('key layout for a Redis Cluster', () => {
  it('keeps each station step, each township step and the shared keys in one slot each', () => {
    // Ingest, load and commit of a station; its archive keys are built inside the script.
    expect(sameSlot([keys.stationReadings('R1'), keys.station('R1'), `${keys.stationArchiveBase('R1')}:20000`, keys.sl651Counters('R1')])).toBe(true);
    // Township commit, alert compare-and-set with the open-alert pointer, index and ledger.
    const alert = keys.alert('341881001~7');
    expect(
      sameSlot([keys.township('341881001'), keys.townshipEvents('341881001'), alert, keys.townshipAlerts('341881001'), keys.townshipLedger('341881001')]),
    ).toBe(true);
    // A record write with its audit entry and dirty marks; claims; the drill outbox; credentials; notices.
    const shared = [
      keys.ref('stations'),
      keys.refRecordVersions('stations'),
      keys.refVersion(),
      keys.audit(),
      keys.dirty(),
      keys.urgent(),
      keys.inflight(),
      keys.active(),
      keys.outbox(),
      `${keys.outbox()}:sent`,
      keys.credentials(),
      keys.tokens(),
      keys.gaugeKeys(),
      keys.notice('n1'),
      keys.noticeIndex(),
      keys.quarantine(),
    ];
    expect(sameSlot(shared)).toBe(true);
    // BullMQ keys: `<prefix>:<queue>:<suffix>` share the prefix's tag.
    expect(sameSlot([`${keys.bullPrefix()}:evaluate:wait`, `${keys.bullPrefix()}:alerts:delayed`, `${keys.bullPrefix()}:alerts:id`])).toBe(true);
  });

  it('spreads stations and townships over the slots', () => {
    const stationSlots = new Set(Array.from({ length: 1000 }, (_, i) => slot(keys.station(`S${i}`))));
    const townshipSlots = new Set(Array.from({ length: 200 }, (_, i) => slot(keys.township(`3418810${i}`))));
    // 16,384 slots: 1,000 stations land on nearly as many distinct slots (≈ 970 expected).
    expect(stationSlots.size).toBeGreaterThan(900);
    expect(townshipSlots.size).toBeGreaterThan(180);
  });

  it('refuses a prefix that would break the hash tags', () => {
    expect(() => new Keys('fx{a}')).toThrow(/must not contain/);
  });
});

describe('on the Redis this suite runs against', () => {
  let svc: TestService;
  const NOW = Date.now();
  beforeAll(async () => {
    svc = await startService();
    await svc.importData(smallDataset());
  });
  afterAll(() => svc.close());

  it('uses the mode the run asked for; on a cluster the data spreads over every node', async () => {
    const { redis, keys: k } = svc.runtime.services;
    const clusterRun = inject('redisUrl').startsWith('redis-cluster://');
    expect(isCluster(redis)).toBe(clusterRun);
    const key = await svc.gaugeKey();
    // Many stations, so their slots fall on every node.
    const data = smallDataset();
    for (let i = 0; i < 60; i++) data.stations.push({ id: `X${i}`, name: `雨量站${i}`, kind: 'rain', townshipId: '341881001' });
    await svc.importData(data);
    const readings = data.stations.filter((s) => s.kind === 'rain').map((s) => ({ stationId: s.id, observedAt: beijing(NOW - MIN), rainfallMm: 1 }));
    expect((await svc.call('POST', '/v1/readings', { token: key, body: { readings } })).status).toBe(202);
    await svc.evaluate();
    expect((await svc.call('GET', '/v1/stations/X59')).body.rainfall['1h']).toBe(1);
    if (!clusterRun) return;
    const nodes = (redis as unknown as { nodes(role: 'master'): (typeof redis)[] }).nodes('master');
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      const own = (await allKeys(node)).filter((x) => x.startsWith(`${k.prefix}:{s:`));
      expect(own.length).toBeGreaterThan(0);
    }
  });

  it('evaluates readings stored by a request that failed before marking its station, once the gauge resends', async () => {
    const { redis, keys: k } = svc.runtime.services;
    const key = await svc.gaugeKey();
    const observedAt = beijing(NOW - 2 * MIN);
    const rain1h = async () => (await svc.call('GET', '/v1/stations/R2')).body.rainfall['1h'] as number;
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R2', observedAt: beijing(NOW - 3 * MIN), rainfallMm: 2 } });
    await svc.evaluate();
    const before = await rain1h();
    // The first step of a request (the station's script) ran; the request failed before the second (the dirty mark).
    await redis.fxIngest(k.stationReadings('R2'), k.station('R2'), NOW, 0, k.stationArchiveBase('R2'), 1, Math.floor(Date.parse(observedAt) / 1000), '5,');
    await svc.evaluate();
    expect(await rain1h()).toBe(before);
    // The gauge got no 2xx and resends: a duplicate, yet the station is marked and evaluated with it.
    const res = await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R2', observedAt, rainfallMm: 5 } });
    expect(res.body.duplicates).toBe(1);
    await svc.evaluate();
    expect(await rain1h()).toBe(before + 5);
    // A resend of readings already evaluated does not mark the station again.
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'R2', observedAt, rainfallMm: 5 } });
    expect(await redis.zscore(k.dirty(), 'R2')).toBeNull();
  });
});
