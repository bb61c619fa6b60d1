import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startService, alertDataset, testConfig, fastCallouts, waitFor, HOUR, type TestService } from './helpers.js';
import { smsCost } from '../src/channels/segments.js';

/**
 * Bundling (policy.delivery.bundleWithin): SMS to one person within the window go as one,
 * a Ⅱ/Ⅰ opening the window is never delayed, and a pending bundle survives a crash. Real
 * Redis and BullMQ workers; messages read from the drill outbox.
 */
const WINDOW = 2_500;
const services: TestService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function start(prefix?: string) {
  const config = testConfig((c) => {
    fastCallouts(c);
    for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.levels[l] = { ...c.policy.levels[l], ackWithin: HOUR, arriveWithin: 2 * HOUR };
    c.policy.delivery.bundleWithin = WINDOW;
    c.policy.calls = { ...c.policy.calls, firstAt: [] }; // Ⅱ by SMS here, not a call
  });
  const svc = await startService({ config, workers: true, drill: true, ...(prefix ? { prefix } : {}) });
  services.push(svc);
  return svc;
}

/** The leader liaises for 西津街道, 港口镇 and 梅林镇 and is reached by SMS only. */
async function setup(svc: TestService) {
  const data = alertDataset('http://hooks.test');
  data.townships.push({ id: '341881101', name: '梅林镇', commandPost: { lat: 30.56, lon: 119.05 } });
  data.people.find((p) => p.id === 'p-lead')!.contacts = [{ channel: 'sms', to: '+8613800000001' }];
  data.assignments.push({ townshipId: '341881101', personId: 'p-lead', role: 'liaison-leader' });
  await svc.importData(data);
  const duty = await svc.token('duty', 'p-duty');
  return async (townshipId: string, level: string) => {
    const res = await svc.call('POST', `/v1/townships/${townshipId}/declare`, { token: duty, body: { level, notice: '宁防指〔2026〕11号', reason: '强降雨' } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
}

async function smsTo(svc: TestService, personId: string): Promise<Array<{ text: string; at: string; channel: string }>> {
  const res = await svc.call('GET', `/v1/admin/outbox?limit=1000&personId=${personId}`);
  return (res.body as any[]).filter((m) => m.channel === 'sms').reverse();
}

describe('SMS bundling', () => {
  it('three townships within the window: one SMS naming all three, within two parts, ending 回复1确认', async () => {
    const svc = await start();
    const declare = await setup(svc);
    const ids = [await declare('341881001', 'III'), await declare('341881100', 'III'), await declare('341881101', 'III')];
    // Held while the window is open.
    await new Promise((r) => setTimeout(r, 300));
    expect(await smsTo(svc, 'p-lead')).toEqual([]);
    const sent = await waitFor(async () => ((await smsTo(svc, 'p-lead')).length ? smsTo(svc, 'p-lead') : null), WINDOW + 8_000, 'the bundle');
    await new Promise((r) => setTimeout(r, 500));
    expect(await smsTo(svc, 'p-lead')).toHaveLength(1);
    const text = sent[0]!.text;
    expect(text).toMatch(/^市领导甲：您联系的(西津街道|港口镇|梅林镇)、(西津街道|港口镇|梅林镇)、(西津街道|港口镇|梅林镇)有3条防汛消息/);
    for (const name of ['西津街道', '港口镇', '梅林镇']) expect(text).toContain(name);
    expect(text.endsWith('回复1确认')).toBe(true);
    expect(text).toMatch(/http:\/\/fangxun\.test\/a\/[A-Za-z0-9]{12}/);
    expect(smsCost(text).segments).toBeLessThanOrEqual(2);
    // Each message is marked sent on its own alert.
    for (const id of ids) {
      const lead = (await svc.call('GET', `/v1/alerts/${id}`)).body.recipients.find((r: any) => r.personId === 'p-lead');
      expect(lead.deliveries.at(-1)).toMatchObject({ channel: 'sms', status: 'sent' });
    }
    // Replying 1 to the bundle answers all three, each on its own alert.
    const reply = await svc.call('POST', '/v1/inbound/sms', { body: { from: '13800000001', text: '1' } });
    expect(reply.body).toMatchObject({ acknowledged: true });
    expect(reply.body.reply).toContain('共3项');
    for (const id of ids) {
      const lead = (await svc.call('GET', `/v1/alerts/${id}`)).body.recipients.find((r: any) => r.personId === 'p-lead');
      expect(lead.ackVia).toBe('sms-reply');
    }
  }, 30_000);

  it('a Ⅱ goes at once; what follows within the window goes as one after it', async () => {
    const svc = await start();
    const declare = await setup(svc);
    const t0 = Date.now();
    await declare('341881001', 'II');
    const first = await waitFor(async () => (await smsTo(svc, 'p-lead'))[0], WINDOW, 'the Ⅱ SMS before the window ends');
    expect(Date.parse(first.at) - t0).toBeLessThan(WINDOW);
    expect(first.text).toContain('西津街道');
    expect(first.text).not.toContain('条防汛消息');
    await declare('341881100', 'III');
    await declare('341881101', 'III');
    const both = await waitFor(
      async () => {
        const all = await smsTo(svc, 'p-lead');
        return all.length >= 2 ? all : null;
      },
      WINDOW + 8_000,
      'the bundle after the Ⅱ',
    );
    expect(both).toHaveLength(2);
    expect(both[1]!.text).toMatch(/港口镇、梅林镇|梅林镇、港口镇/);
    expect(both[1]!.text).toContain('有2条防汛消息');
  }, 30_000);

  it('a pending bundle is delivered after a crash that lost its wake-up job', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const a = await start(prefix);
    const declare = await setup(a);
    for (const tid of ['341881001', '341881100', '341881101']) await declare(tid, 'III');
    const { redis, keys, queues } = a.runtime.services;
    await waitFor(async () => (await redis.hlen(keys.smsBundle('p-lead'))) >= 4, 5_000, 'three held messages');
    // The process dies and the queue loses the delayed flush (and everything else waiting).
    await queues[1]!.drain(true);
    expect((await queues[1]!.getJobs(['delayed', 'waiting', 'prioritized'])).filter((j) => j.name === 'bundle')).toEqual([]);
    await a.close();
    services.splice(services.indexOf(a), 1);

    const b = await start(prefix);
    const sent = await waitFor(async () => ((await smsTo(b, 'p-lead')).length ? smsTo(b, 'p-lead') : null), WINDOW + 15_000, 'the bundle after the restart');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain('有3条防汛消息');
    // The bundle is cleared just after its SMS leaves (the sink may see the SMS first, on a cluster especially).
    await waitFor(async () => ((await b.runtime.services.redis.exists(keys.smsBundle('p-lead'))) === 0 ? true : null), 5_000, 'the bundle cleared');
    expect(await b.runtime.services.redis.exists(keys.smsBundle('p-lead'))).toBe(0);
  }, 40_000);
});
