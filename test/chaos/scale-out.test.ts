import { afterAll, describe, expect, it } from 'vitest';
import { waitForEvaluation } from '../../src/evaluation/drain.js';
import { waitFor } from '../helpers.js';
import { deploy, http, type Deployment } from '../support/processes.js';

/**
 * R6 (processes): two API and two worker processes behind one Redis give the same results
 * as one: every reading counted once, one alert per township, each message sent once —
 * on one Redis and on a 3-node Redis Cluster (REDIS_URL=redis-cluster://…).
 */
let d: Deployment;
afterAll(() => d?.close());

describe.each([
  ['one Redis', false],
  ['a 3-node Redis Cluster', true],
])('R6 two APIs and two workers on %s', (_, cluster) => {
  it('give the results one process would', async () => {
    await d?.close();
    d = await deploy({
      cluster,
      service: { evaluation: { claimBatch: 50, sweepEvery: '1s', claimLease: '5s', refreshEvery: '60s', concurrency: 2, hotRetention: '26h' } },
    });
    const [a, b] = await Promise.all([d.api(), d.api()]);
    d.worker();
    d.worker();
    const now = Date.now();
    const townships = Array.from({ length: 10 }, (_, i) => ({ id: `T${i}`, name: `镇${i}` }));
    const stations = townships.flatMap((t, i) =>
      Array.from({ length: 10 }, (_, j) => ({ id: `S${i}-${j}`, name: `站${i}-${j}`, kind: 'rain', townshipId: t.id })),
    );
    const people = [...townships.map((t) => ({ id: `lead-${t.id}`, name: `领导${t.id}`, contacts: [{ channel: 'sms', to: '+8613800000000' }] }))];
    const assignments = townships.map((t) => ({ townshipId: t.id, personId: `lead-${t.id}`, role: 'liaison-leader' }));
    expect((await http(a.url, d.token, 'POST', '/v1/admin/import', { townships, stations, people, assignments })).status).toBe(200);
    const key = (await http(b.url, d.token, 'POST', '/v1/admin/gauge-keys', { name: 'r6', stations: ['*'] })).body.key;
    // 20,000 readings, 200 per station (0.3 mm each: 60 mm in 10 h → Ⅳ), alternating APIs, resent once.
    const all = stations.flatMap((s) =>
      Array.from({ length: 200 }, (_, k) => ({ stationId: s.id, observedAt: new Date(now - 10 * 3_600_000 + k * 180_000).toISOString(), rainfallMm: 0.3 })),
    );
    all.sort((x, y) => x.observedAt.localeCompare(y.observedAt));
    const batches: Array<typeof all> = [];
    for (let i = 0; i < all.length; i += 500) batches.push(all.slice(i, i + 500));
    let accepted = 0;
    let duplicates = 0;
    await Promise.all(
      batches.map(async (batch, i) => {
        const first = await http(i % 2 ? a.url : b.url, key, 'POST', '/v1/readings', { readings: batch });
        const again = await http(i % 2 ? b.url : a.url, key, 'POST', '/v1/readings', { readings: batch });
        accepted += first.body.accepted + again.body.accepted;
        duplicates += first.body.duplicates + again.body.duplicates;
      }),
    );
    expect(accepted).toBe(all.length);
    expect(duplicates).toBe(all.length);
    await waitForEvaluation(d.redis.url, { timeoutMs: 60_000, pollMs: 200 });
    for (const api of [a, b]) {
      const views = (await http(api.url, d.token, 'GET', '/v1/stations')).body as Array<{ id: string; rainfall: Record<string, number>; level: string | null }>;
      expect(views.filter((v) => v.rainfall['24h'] !== 60).map((v) => v.id)).toEqual([]);
      expect(views.every((v) => v.level === 'IV')).toBe(true);
    }
    const alerts = await waitFor(async () => {
      const list = (await http(a.url, d.token, 'GET', '/v1/alerts?status=open')).body as any[];
      return list.length === 10 && list.every((x) => x.recipients[0]?.deliveries.some((y: any) => y.status === 'sent')) ? list : null;
    }, 30_000);
    expect(new Set(alerts.map((x) => x.townshipId)).size).toBe(10);
    const outbox = (await http(b.url, d.token, 'GET', '/v1/admin/outbox?limit=1000')).body as Array<{ messageId: string }>;
    expect(new Set(outbox.map((m) => m.messageId)).size).toBe(outbox.length);
    expect(outbox.length).toBe(10);
  }, 180_000);
});
