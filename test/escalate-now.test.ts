import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, testConfig, waitFor, type TestService } from './helpers.js';
import { startFakeProviders, FAKE_SECRETS, type FakeProviders } from './support/fakeProviders.js';
import { WebhookChannel } from '../src/channels/webhook.js';

/**
 * 立即升级 (POST /v1/alerts/:id/escalate): the duty room runs the next step of the escalation
 * chain now. The step is the one the deadline timer would run: the messages reach the fake
 * providers, the step is recorded on the person and in the audit trail, the timer does not run
 * it a second time, and no miss is booked before the deadline has passed.
 */
let svc: TestService;
let fake: FakeProviders;
let key: string;
let alertId: string;
const hooksTo = (id: string) => fake.of('hook').filter((r) => r.path.endsWith(`/${id}`)).length;

beforeAll(async () => {
  fake = await startFakeProviders();
  svc = await startService({
    config: testConfig((c) => {
      c.policy.levels.IV.ackWithin = 600_000; // the deadline is far: any step now is the duty room's
      c.policy.publicUrl = 'http://fangxun.test';
    }),
    workers: true,
    drill: false,
    channels: new Map([['webhook', new WebhookChannel(FAKE_SECRETS.webhook, 1_000)]]),
  });
  await svc.importData(alertDataset(`${fake.url}/hook`));
  key = await svc.gaugeKey();
  await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 30_000), waterLevelM: 35.9 } });
  alertId = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 8_000, 'the alert');
  await waitFor(async () => hooksTo('p-head') >= 1 && hooksTo('p-lead') >= 1, 8_000, 'the first notices');
}, 30_000);
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

describe('escalate now', () => {
  it('runs the next step for one person at once: renotify, then the duty officer', async () => {
    const before = hooksTo('p-head');
    const first = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: { personId: 'p-head' } });
    expect(first.status).toBe(200);
    expect(first.body.steps).toMatchObject([{ personId: 'p-head', kind: 'ack', step: 0, action: 'renotify' }]);
    expect(Date.parse(first.body.steps[0].due)).toBeGreaterThan(Date.now()); // it would have run later
    await waitFor(async () => hooksTo('p-head') > before, 8_000, 'the re-notification on the wire');

    const dutyBefore = hooksTo('p-duty');
    const duty = await svc.token('duty', 'p-duty');
    const second = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { token: duty, body: { personId: 'p-head' } });
    expect(second.body.steps).toMatchObject([{ personId: 'p-head', step: 1, action: 'duty-officer' }]);
    await waitFor(async () => hooksTo('p-duty') > dutyBefore, 8_000, 'the duty officer told');
    const onWire = fake
      .of('hook')
      .filter((r) => r.path.endsWith('/p-duty'))
      .at(-1)!;
    expect(onWire.ok).toBe(true);
    expect(JSON.stringify(onWire.json)).toContain('西津街道主任');

    const alert = (await svc.call('GET', `/v1/alerts/${alertId}`)).body;
    const head = alert.recipients.find((r: any) => r.personId === 'p-head');
    expect(head.escalations.map((e: any) => `${e.kind}${e.step}:${e.action}`)).toEqual(['ack0:renotify', 'ack1:duty-officer']);
    const entry = alert.timeline.filter((t: any) => t.type === 'ack-overdue').at(-1);
    expect(entry.detail).toMatchObject({ early: true, by: 'p-duty', step: 1 });
    // Before the deadline nobody is booked as having missed it.
    const ledger = (await svc.call('GET', '/v1/reports/accountability')).body.entries;
    expect(ledger.filter((e: any) => e.type === 'ack-missed')).toEqual([]);
    const audit = (await svc.call('GET', '/v1/admin/audit?action=alerts.escalate')).body;
    expect(audit.length).toBe(2);
    expect(audit[0]).toMatchObject({ action: 'alerts.escalate', target: `alerts/${alertId}`, actor: 'p-duty', role: 'duty' });
  });

  it('without a person, escalates everyone who must answer and has not', async () => {
    const res = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: {} });
    expect(res.status).toBe(200);
    expect(res.body.steps.map((s: any) => `${s.personId}:${s.step}`).sort()).toEqual(['p-head:2', 'p-lead:0']);
  });

  it('answers 404 for an unknown alert or person, 400 for a bad body, 403 for a leader', async () => {
    const noAlert = await svc.call('POST', '/v1/alerts/341881001~w999/escalate', { body: {} });
    expect(noAlert.status).toBe(404);
    const noPerson = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: { personId: 'p-nobody' } });
    expect(noPerson.status).toBe(404);
    expect(noPerson.body.error.message).toContain('p-nobody');
    const bad = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: { personId: 7 } });
    expect(bad.status).toBe(400);
    const leader = await svc.token('leader', 'p-lead');
    expect((await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { token: leader, body: {} })).status).toBe(403);
  });

  it('answers 409 when nothing is left to escalate, and on a resolved alert', async () => {
    for (const p of ['p-head', 'p-lead']) await svc.call('POST', `/v1/alerts/${alertId}/ack`, { body: { onBehalfOf: p, note: '电话已叫应' } });
    const nothing = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: {} });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.code).toBe('nothing_to_escalate');
    // The duty officer is only informed: nothing to escalate for them either.
    expect((await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: { personId: 'p-duty' } })).status).toBe(409);
    await svc.call('POST', `/v1/alerts/${alertId}/resolve`, { body: { reason: '水位回落' } });
    const resolved = await svc.call('POST', `/v1/alerts/${alertId}/escalate`, { body: { personId: 'p-head' } });
    expect(resolved.status).toBe(409);
    expect(resolved.body.error.code).toBe('alert_not_open');
  });
});
