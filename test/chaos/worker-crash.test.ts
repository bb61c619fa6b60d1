import { afterAll, describe, expect, it } from 'vitest';
import { waitForEvaluation } from '../../src/evaluation/drain.js';
import { waitFor } from '../helpers.js';
import { deploy, http, type Deployment } from '../support/processes.js';

/**
 * R1: kill -9 the worker during a 100,000-reading ingest, start it again. Every accepted
 * reading counts exactly once in the windows, every township that should have an alert has
 * one, and no message is sent twice.
 */
const TOWNSHIPS = 20;
const PER_TOWNSHIP = 25;
const READINGS_PER_STATION = 200; // 100,000 in all
const MM = 0.3; // 60 mm per station over 10 h: Ⅳ (≥ 50 mm in 12 h)

let d: Deployment;
afterAll(() => d?.close());

describe('R1 worker crash', () => {
  it('loses nothing and counts nothing twice', async () => {
    d = await deploy({
      service: { evaluation: { claimLease: '2s', claimBatch: 200, refreshEvery: '60s', sweepEvery: '1s', concurrency: 2, hotRetention: '26h' } },
      policy: { sweepEvery: '2s' },
    });
    const { url } = await d.api();
    let worker = d.worker();
    const now = Date.now();
    const townships = Array.from({ length: TOWNSHIPS }, (_, i) => ({ id: `T${i}`, name: `测试镇${i}` }));
    const stations = townships.flatMap((t, i) =>
      Array.from({ length: PER_TOWNSHIP }, (_, j) => ({ id: `S${i}-${j}`, name: `站${i}-${j}`, kind: 'rain', townshipId: t.id })),
    );
    const people = [
      ...townships.map((t) => ({ id: `lead-${t.id}`, name: `联系领导${t.id}`, contacts: [{ channel: 'sms', to: '+8613800000000' }] })),
      { id: 'duty', name: '值班员', contacts: [{ channel: 'sms', to: '+8613700000000' }] },
      { id: 'shift', name: '带班领导', contacts: [{ channel: 'sms', to: '+8613600000000' }] },
    ];
    const assignments = townships.map((t) => ({ townshipId: t.id, personId: `lead-${t.id}`, role: 'liaison-leader' }));
    const shifts = [
      { id: 'now', start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 86_400_000).toISOString(), leaderId: 'shift', officerIds: ['duty'] },
    ];
    expect((await http(url, d.token, 'POST', '/v1/admin/import', { townships, stations, people, assignments, shifts })).status).toBe(200);
    const key = (await http(url, d.token, 'POST', '/v1/admin/gauge-keys', { name: 'chaos', stations: ['*'] })).body.key;

    const all = stations.flatMap((s) =>
      Array.from({ length: READINGS_PER_STATION }, (_, k) => ({
        stationId: s.id,
        observedAt: new Date(now - 10 * 3_600_000 + k * 180_000).toISOString(),
        rainfallMm: MM,
      })),
    );
    // Interleave stations so every batch touches many of them.
    all.sort((a, b) => a.observedAt.localeCompare(b.observedAt));
    let next = 0;
    let accepted = 0;
    let killed = false;
    const poster = async () => {
      for (;;) {
        const from = next;
        if (from >= all.length) return;
        next += 1_000;
        const res = await http(url, key, 'POST', '/v1/readings', { readings: all.slice(from, from + 1_000) });
        expect(res.status).toBe(202);
        accepted += res.body.accepted;
        if (!killed && next >= 30_000) {
          killed = true;
          worker.kill('SIGKILL'); // mid-ingest, mid-evaluation
          await new Promise((r) => worker.once('exit', r));
          worker = d.worker();
        }
      }
    };
    await Promise.all([poster(), poster(), poster(), poster()]);
    expect(killed).toBe(true);
    expect(accepted).toBe(all.length);

    await waitForEvaluation(d.redis.url, { timeoutMs: 90_000, pollMs: 200 });
    const views = (await http(url, d.token, 'GET', '/v1/stations')).body as Array<{
      id: string;
      rainfall: Record<string, number>;
      upToDate: boolean;
      level: string | null;
    }>;
    expect(views).toHaveLength(stations.length);
    const wrong = views.filter((v) => v.rainfall['24h'] !== 60 || !v.upToDate);
    expect(wrong.map((v) => `${v.id}: ${v.rainfall['24h']}`)).toEqual([]);
    expect(views.every((v) => v.level === 'IV')).toBe(true);

    // Every township has its alert, every leader was told, nothing twice.
    const alerts = await waitFor(async () => {
      const list = (await http(url, d.token, 'GET', '/v1/alerts?status=open')).body as any[];
      const told = list.filter((a) => a.recipients.find((r: any) => r.role === 'liaison-leader')?.deliveries.some((x: any) => x.status === 'sent'));
      return told.length === TOWNSHIPS ? list : null;
    }, 30_000);
    expect(new Set(alerts.map((a) => a.townshipId)).size).toBe(TOWNSHIPS);
    const outbox = (await http(url, d.token, 'GET', '/v1/admin/outbox?limit=1000')).body as Array<{ messageId: string }>;
    const ids = outbox.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.includes(':notify:')).length).toBe(TOWNSHIPS * 2); // at IV: the liaison leader and the duty officer
  }, 240_000);
});
