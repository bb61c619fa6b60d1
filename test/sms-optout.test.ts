import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, testConfig, fastCallouts, waitFor, type TestService } from './helpers.js';

/**
 * Board only (smsOptOut): a duty officer watching the board gets no routine SMS for what the
 * board shows, and still gets every escalation to them by SMS. Set by the person themselves
 * or an admin, audited.
 */
describe('per-person SMS opt-out (仅看板)', () => {
  let svc: TestService;
  beforeAll(async () => {
    const config = testConfig((c) => {
      fastCallouts(c);
      // Nobody answers: the first missed deadline (1 s) goes straight to the duty officer.
      for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.levels[l] = { ...c.policy.levels[l], ackWithin: 1_000, arriveWithin: 60_000 };
      c.policy.escalation = ['duty-officer', 'shift-leader'];
    });
    svc = await startService({ config, workers: true, drill: true });
    const data = alertDataset('http://hooks.test');
    data.people.find((p) => p.id === 'p-duty')!.contacts = [{ channel: 'sms', to: '+8613700000009' }];
    await svc.importData(data);
  });
  afterAll(() => svc.close());

  it('is set by the person for themselves or by an admin, refused for anyone else, and audited', async () => {
    const duty = await svc.token('duty', 'p-duty');
    const leader = await svc.token('leader', 'p-lead');
    expect((await svc.call('GET', '/v1/people/me/preferences', { token: duty })).body).toMatchObject({ personId: 'p-duty', smsOptOut: false, updatedAt: null });
    const bad = await svc.call('PUT', '/v1/people/me/preferences', { token: duty, body: { smsOptOut: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('smsOptOut');
    expect((await svc.call('PUT', '/v1/people/p-duty/preferences', { token: leader, body: { smsOptOut: false } })).status).toBe(403);
    expect((await svc.call('PUT', '/v1/people/nobody/preferences', { body: { smsOptOut: true } })).status).toBe(404);
    const set = await svc.call('PUT', '/v1/people/me/preferences', { token: duty, body: { smsOptOut: true } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ personId: 'p-duty', smsOptOut: true, updatedBy: 'p-duty' });
    expect((await svc.call('PUT', '/v1/people/p-head/preferences', { body: { smsOptOut: false } })).status).toBe(200);
    const audit = (await svc.call('GET', '/v1/admin/audit?limit=10')).body as any[];
    expect(audit.find((e) => e.target === 'people/p-duty')).toMatchObject({ action: 'people.preferences', actor: 'p-duty', after: { smsOptOut: true } });
  });

  it('a board-only duty officer gets no routine SMS for a warning, but does get the escalation', async () => {
    // 西津河宁国站 over its warning stage: a Ⅳ warning that informs the duty room.
    const key = await svc.gaugeKey();
    const posted = await svc.call('POST', '/v1/readings', {
      token: key,
      body: { readings: [{ stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 35.8 }] },
    });
    expect(posted.status).toBe(202);
    const alertId = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId as string | null, 8_000, 'the warning');
    // The routine message is shown on the board, not sent: recorded as such.
    const skipped = await waitFor(
      async () => {
        const me = (await svc.call('GET', `/v1/alerts/${alertId}`)).body.recipients.find((r: any) => r.personId === 'p-duty');
        return me?.deliveries.find((d: any) => d.channel === 'board') ?? null;
      },
      5_000,
      'the board-only record',
    );
    expect(skipped).toMatchObject({ status: 'skipped' });
    expect(skipped.error).toContain('仅看板');
    const page = await svc.runtime.app.request(`/board/alerts/${encodeURIComponent(alertId)}`, { headers: { authorization: 'Bearer test-admin-token' } });
    expect(await page.text()).toContain('看板 仅看板');
    // Nobody answers: the escalation to the duty officer still comes by SMS.
    const escalation = await waitFor(
      async () => {
        const out = (await svc.call('GET', '/v1/admin/outbox?limit=1000&personId=p-duty')).body as any[];
        return out.find((m) => m.channel === 'sms' && m.title.startsWith('【叫应超时】')) ?? null;
      },
      8_000,
      'the escalation SMS',
    );
    expect(escalation.text).toContain('请立即电话叫应');
    const routine = ((await svc.call('GET', '/v1/admin/outbox?limit=1000&personId=p-duty')).body as any[]).filter(
      (m) => m.channel === 'sms' && !m.title.startsWith('【叫应超时】'),
    );
    expect(routine).toEqual([]);
  });
});
