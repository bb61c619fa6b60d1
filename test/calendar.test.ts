import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDataset, startService, type TestService } from './helpers.js';

/** /v1/duty.ics takes a calendar-only token: read-only, one person's feed, revocable; never a staff token. */
let svc: TestService;
beforeAll(async () => {
  svc = await startService();
  await svc.importData(alertDataset('http://hooks.test'));
});
afterAll(() => svc.close());

const ics = (query: string) => svc.runtime.app.request(`/v1/duty.ics?${query}`);

describe('calendar tokens', () => {
  it("are issued per person, show that person's feed only, and are revocable", async () => {
    const issued = await svc.call('POST', '/v1/admin/calendar-tokens', { body: { personId: 'p-duty' } });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ role: 'calendar', personId: 'p-duty', url: expect.stringContaining('/v1/duty.ics?token=') });
    const token = issued.body.token as string;
    const feed = await ics(`token=${token}`);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('UID:shift-now@fangxun');
    expect((await ics(`token=${token}&personId=p-shift`)).status).toBe(403); // someone else's
    // Nothing else: not the API, not the board.
    expect((await svc.call('GET', '/v1/duty/now', { token })).status).toBe(403);
    expect((await svc.call('GET', '/v1/alerts', { token })).status).toBe(403);
    expect((await svc.runtime.app.request('/board', { headers: { authorization: `Bearer ${token}` } })).status).toBe(302);
    expect((await svc.call('GET', '/v1/admin/calendar-tokens')).body.map((t: { id: string }) => t.id)).toContain(issued.body.id);
    expect((await svc.call('DELETE', `/v1/admin/calendar-tokens/${issued.body.id}`)).status).toBe(204);
    expect((await ics(`token=${token}`)).status).toBe(401);
  });

  it('refuses a staff token in a calendar address', async () => {
    for (const role of ['leader', 'duty', 'admin'] as const) {
      const staff = await svc.token(role, 'p-duty');
      const res = await ics(`token=${staff}&personId=p-duty`);
      expect(res.status, role).toBe(403);
      expect((await res.json()).error.code).toBe('calendar_token_required');
    }
    expect((await svc.call('DELETE', '/v1/admin/calendar-tokens/tk_unknown')).status).toBe(404);
  });
});
