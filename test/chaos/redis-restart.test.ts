import { afterAll, describe, expect, it } from 'vitest';
import { deploy, http, type Deployment } from '../support/processes.js';

/**
 * R2: Redis restarts (AOF) during a storm with an open alert and a pending deadline. While it
 * is down the API answers 503 at once (never hangs, never 202s); afterwards the ack, the alert
 * and the ledger are intact and the pending deadline fires once.
 */
let d: Deployment;
afterAll(() => d?.close());

const fast = { ackWithin: '3s', arriveWithin: '1h' };

describe('R2 Redis restart', () => {
  it('answers 503 while Redis is down and keeps every promise after', async () => {
    d = await deploy({
      policy: {
        levels: {
          IV: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ...fast },
          III: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ...fast },
          II: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ...fast },
          I: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ...fast },
        },
        mustAck: ['liaison-leader', 'township-head'],
        repeatEscalation: 1,
        sweepEvery: '1s',
      },
    }); // the leader must answer this warning (the mechanics calibration, test/helpers.ts)
    const { url } = await d.api();
    d.worker();
    const now = Date.now();
    const dataset = {
      townships: [{ id: 'T1', name: '西津街道', commandPost: { lat: 30.63, lon: 118.98 } }],
      stations: [{ id: 'W1', name: '西津河宁国站', kind: 'river', townshipId: 'T1', thresholds: { warning: 35.5, guarantee: 37, record: 38.2 } }],
      people: [
        {
          id: 'lead',
          name: '市领导甲',
          contacts: [
            { channel: 'sms', to: '+8613800000001' },
            { channel: 'webhook', to: 'http://127.0.0.1:9/x' },
          ],
        },
        {
          id: 'head',
          name: '街道主任',
          contacts: [
            { channel: 'sms', to: '+8613800000002' },
            { channel: 'webhook', to: 'http://127.0.0.1:9/y' },
          ],
        },
        { id: 'duty', name: '值班员', contacts: [{ channel: 'sms', to: '+8613700000000' }] },
        { id: 'shift', name: '带班领导', contacts: [{ channel: 'sms', to: '+8613600000000' }] },
      ],
      assignments: [
        { townshipId: 'T1', personId: 'lead', role: 'liaison-leader' },
        { townshipId: 'T1', personId: 'head', role: 'township-head' },
      ],
      shifts: [
        { id: 'now', start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 86_400_000).toISOString(), leaderId: 'shift', officerIds: ['duty'] },
      ],
    };
    expect((await http(url, d.token, 'POST', '/v1/admin/import', dataset)).status).toBe(200);
    const key = (await http(url, d.token, 'POST', '/v1/admin/gauge-keys', { name: 'r2', stations: ['*'] })).body.key;
    const leadToken = (await http(url, d.token, 'POST', '/v1/admin/tokens', { role: 'leader', personId: 'lead' })).body.token;
    const reading = (m: number, ago: number) => ({ stationId: 'W1', observedAt: new Date(Date.now() - ago).toISOString(), waterLevelM: m });
    expect((await http(url, key, 'POST', '/v1/readings', reading(35.9, 60_000))).status).toBe(202);
    const alertId = await until(async () => (await http(url, d.token, 'GET', '/v1/townships/T1')).body.openAlertId, 10_000);
    expect((await http(url, leadToken, 'POST', `/v1/alerts/${alertId}/ack`)).body.outcome).toBe('acked');

    // Down, with the head's ack deadline (3 s) falling inside the outage.
    await d.stopRedis();
    const down = [];
    for (let i = 0; i < 5; i++) down.push(await http(url, key, 'POST', '/v1/readings', reading(36.0, 30_000 - i * 1000), 5_000));
    down.push(await http(url, d.token, 'GET', `/v1/alerts/${alertId}`, undefined, 5_000));
    for (const r of down) {
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('unavailable');
      expect(r.ms).toBeLessThan(2_000);
    }
    await new Promise((r) => setTimeout(r, 4_000));
    await d.startRedis();

    // Back: the readiness check recovers, the ack and the ledger are there, the step fires once.
    await until(async () => (await http(url, d.token, 'GET', '/readyz')).status === 200, 30_000);
    const renotified = await until(async () => {
      const outbox = (await http(url, d.token, 'GET', '/v1/admin/outbox?limit=1000')).body as Array<{ messageId: string; personId: string; text: string }>;
      const r = outbox.filter((m) => m.personId === 'head' && m.text.startsWith('【再次提醒】'));
      return r.length ? outbox : null;
    }, 20_000);
    await new Promise((r) => setTimeout(r, 3_000)); // time for a duplicate to show, if there were one
    const outbox = (await http(url, d.token, 'GET', '/v1/admin/outbox?limit=1000')).body as Array<{ messageId: string; personId: string; text: string }>;
    expect(outbox.filter((m) => m.personId === 'head' && m.text.startsWith('【再次提醒】'))).toHaveLength(1);
    expect(renotified.length).toBeGreaterThan(0);
    const ids = outbox.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    const alert = (await http(url, d.token, 'GET', `/v1/alerts/${alertId}`)).body;
    expect(alert.status).toBe('open');
    expect(alert.recipients.find((r: any) => r.personId === 'lead').ackVia).toBe('api');
    const head = alert.recipients.find((r: any) => r.personId === 'head');
    expect(head.escalations.filter((e: any) => e.kind === 'ack' && e.step === 0)).toHaveLength(1);
    const ledger = (await http(url, d.token, 'GET', '/v1/reports/accountability')).body;
    expect(ledger.people.find((p: any) => p.personId === 'lead')).toMatchObject({ acks: 1 });
    expect(ledger.entries.filter((e: any) => e.type === 'ack-missed').map((e: any) => e.personId)).toEqual(['head']);
    // The readings accepted before the outage are all there.
    expect((await http(url, d.token, 'GET', '/v1/stations/W1')).body.latest.waterLevelM).toBe(35.9);
  }, 120_000);
});

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
