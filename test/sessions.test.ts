import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDataset, startService, testConfig, type TestService } from './helpers.js';

/** Board sessions end at sign-out; bull-board changes need the same origin; live streams are capped per token. */
let svc: TestService;
let admin: string;
beforeAll(async () => {
  svc = await startService({ config: testConfig((c) => (c.service.rateLimit.streamsPerToken = 2)) });
  await svc.importData(alertDataset('http://hooks.test'));
  admin = await svc.token('admin');
});
afterAll(() => svc.close());

const request = (path: string, init: RequestInit = {}) => svc.runtime.app.request(path, init);
async function signIn(token: string): Promise<string> {
  const res = await request('/board/login', { method: 'POST', body: new URLSearchParams({ token }) });
  expect(res.status).toBe(302);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('board sessions', () => {
  it('keep no token in the cookie and end at sign-out, for a copied cookie too', async () => {
    const cookie = await signIn(admin);
    expect(cookie).not.toContain(admin);
    expect((await request('/board', { headers: { cookie } })).status).toBe(200);
    const out = await request('/board/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(302);
    expect((await request('/board', { headers: { cookie } })).status).toBe(302); // to sign-in
    expect((await request('/admin/queues', { headers: { cookie } })).status).toBe(401);
  });

  it('end when their token is revoked', async () => {
    const res = await svc.call('POST', '/v1/admin/tokens', { body: { role: 'duty', personId: 'p-duty' } });
    const cookie = await signIn(res.body.token);
    expect((await request('/board', { headers: { cookie } })).status).toBe(200);
    expect((await svc.call('DELETE', `/v1/admin/tokens/${res.body.id}`)).status).toBe(204);
    expect((await request('/board', { headers: { cookie } })).status).toBe(302);
  });
});

describe('bull-board', () => {
  it('refuses changes from another origin', async () => {
    const cookie = await signIn(admin);
    const queue = svc.runtime.services.queues[0]!.name;
    const pause = (origin: string) => request(`/admin/queues/api/queues/${encodeURIComponent(queue)}/pause`, { method: 'PUT', headers: { cookie, origin } });
    const cross = await pause('https://evil.example');
    expect(cross.status).toBe(403);
    expect((await cross.json()).error.message).toMatch(/same origin/);
    expect((await pause('null')).status).toBe(403);
    const own = await pause('http://localhost');
    expect(own.status).not.toBe(403);
    await svc.runtime.services.queues[0]!.resume();
  });
});

describe('live streams', () => {
  it('are capped per token', async () => {
    const ctrls = [new AbortController(), new AbortController()];
    const open = (signal?: AbortSignal) => request('/board/events', { headers: { authorization: `Bearer ${admin}` }, signal });
    const first = await open(ctrls[0]!.signal);
    const second = await open(ctrls[1]!.signal);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.status).toBe(429);
    ctrls[0]!.abort();
    await first.body?.cancel().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_500)); // the stream notices on its next tick
    const again = new AbortController();
    expect((await open(again.signal)).status).toBe(200);
    again.abort();
    ctrls[1]!.abort();
  });
});
