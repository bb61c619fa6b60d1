import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, waitFor, testConfig, type TestService } from './helpers.js';

/** The duty board: sign-in, what it shows (and never shows), ack on behalf, live updates. */
let svc: TestService;
let duty: string;
let cookie: string;
beforeAll(async () => {
  svc = await startService({ config: testConfig((c) => (c.policy.levels.IV.ackWithin = 60_000)), workers: true, drill: true });
  await svc.importData(alertDataset('http://hooks.test'));
  duty = await svc.token('duty', 'p-duty');
});
afterAll(() => svc.close());

const get = (path: string, headers: Record<string, string> = {}) => svc.runtime.app.request(path, { headers });

describe('/board', () => {
  it('shows nothing without a signed-in staff member', async () => {
    const res = await get('/board');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/board/login');
    expect((await get('/board/events')).status).toBe(401);
    expect((await get('/board/fragment')).status).toBe(401);
    const gauge = await svc.gaugeKey();
    expect((await get('/board', { authorization: `Bearer ${gauge}` })).status).toBe(302);
    const login = await get('/board/login');
    expect(await login.text()).toContain('值班人员登录');
  });

  it('signs in with a token into an httpOnly cookie', async () => {
    const bad = await svc.runtime.app.request('/board/login', { method: 'POST', body: new URLSearchParams({ token: 'nope' }) });
    expect(bad.headers.get('location')).toBe('/board/login?error=1');
    const res = await svc.runtime.app.request('/board/login', { method: 'POST', body: new URLSearchParams({ token: duty }) });
    expect(res.status).toBe(302);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    cookie = set.split(';')[0]!;
  });

  it("shows townships by level, the alert with each person's state, never a token, and full phone numbers only to call the unanswered", async () => {
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 35.9 } });
    await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 5_000, 'the alert');
    const res = await get('/board', { cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('西津街道');
    expect(html).toContain('lv lv-IV');
    expect(html).toContain('<circle');
    expect(html).toContain('市领导甲');
    expect(html).toMatch(/已通知|已确认/);
    expect(html).toContain('data-deadline=');
    expect(html).toContain('带班领导 带班领导丙');
    expect(html).not.toContain(duty);
    // The duty room calls whoever has not answered: their number, as a tel: link in the 未应答 list, and nowhere else.
    const unanswered = /<section id="unanswered">[\s\S]*?<\/section>/.exec(html)![0];
    expect(unanswered).toContain('<a href="tel:+8613800000001" class="tel">+8613800000001</a>');
    expect(html.replace(unanswered, '')).not.toMatch(/1380000000\d/);
    expect(html).toContain('<a href="tel:05634012345" class="tel">0563-4012345</a>'); // 值班电话
    const leader = await svc.token('leader', 'p-lead');
    const asLeader = await (await get('/board', { authorization: `Bearer ${leader}` })).text();
    expect(asLeader).toContain('西津街道');
    expect(asLeader).not.toMatch(/1380000000\d/);
    expect(html).not.toContain('/docs'); // no CDN, no external assets
    expect(html).not.toMatch(/https?:\/\//);
    const css = await get('/board/assets/board.css');
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect((await get('/board/assets/board.js')).status).toBe(200);
    expect((await get('/board/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });

  it("lets the duty officer acknowledge on someone's behalf from the board", async () => {
    const alertId = (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId as string;
    const res = await svc.runtime.app.request(`/board/alerts/${encodeURIComponent(alertId)}/ack`, {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost' },
      body: new URLSearchParams({ personId: 'p-head', note: '电话已叫应' }),
    });
    expect(res.status).toBe(303);
    const head = (await svc.call('GET', `/v1/alerts/${alertId}`)).body.recipients.find((r: any) => r.personId === 'p-head');
    expect(head).toMatchObject({ ackVia: 'duty-room', onBehalfOf: 'p-duty', ackNote: '电话已叫应' });
    const cross = await svc.runtime.app.request(`/board/alerts/${encodeURIComponent(alertId)}/ack`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
      body: new URLSearchParams({ personId: 'p-lead' }),
    });
    expect(cross.status).toBe(403);
    const page = await (await get(`/board/alerts/${encodeURIComponent(alertId)}`, { cookie })).text();
    expect(page).toContain('值班员乙 代'); // by name, not id
    expect(page).toContain('记录：电话已叫应');
    expect(page).not.toMatch(/>[^<]*p-duty/); // no id in the text
    expect(page).toContain('时间线');
  });

  it('streams a refresh when a level changes, without reloading', async () => {
    const res = await get('/board/events', { cookie });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    await new Promise((r) => setTimeout(r, 1_200)); // the stream takes its first fingerprint
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'K1', observedAt: beijing(Date.now() - 30_000), waterLevelM: 141.0 } });
    let text = '';
    const deadline = Date.now() + 8_000;
    let pending = reader.read();
    while (!text.includes('event: refresh') && Date.now() < deadline) {
      const got = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      if (got === null) continue; // keep waiting on the same read
      if (got.value) text += new TextDecoder().decode(got.value);
      if (got.done) break;
      pending = reader.read();
    }
    await reader.cancel();
    expect(text).toContain('event: refresh');
    const fragment = await (await get('/board/fragment', { cookie })).text();
    expect(fragment).toContain('港口镇');
    expect(fragment).toContain('lv lv-II');
  });

  it('runs the storm from the board: declare a level, resolve an alert', async () => {
    const form = (path: string, body: Record<string, string>) =>
      svc.runtime.app.request(path, { method: 'POST', headers: { cookie, origin: 'http://localhost' }, body: new URLSearchParams(body) });
    expect((await form('/board/declare', { townshipId: '341881100', level: 'V', notice: '', reason: '' })).status).toBe(400);
    expect((await form('/board/declare', { townshipId: '341881100', level: 'I', notice: '宁防指〔2026〕9号', reason: '港口湾水库超校核' })).status).toBe(303);
    const t = (await svc.call('GET', '/v1/townships/341881100')).body;
    expect(t.response).toMatchObject({ level: 'I', notice: '宁防指〔2026〕9号' });
    const alert = (await svc.call('GET', `/v1/alerts/${t.response.calloutId}`)).body;
    expect(alert).toMatchObject({ level: 'I', declared: { notice: '宁防指〔2026〕9号', by: 'p-duty' } });
    const page = await (await get(`/board/alerts/${encodeURIComponent(alert.id)}`, { cookie })).text();
    expect(page).toContain('查看应急响应与到岗到位');
    // A township's part of a response is not resolved like a warning: the response is ended by notice.
    expect((await form(`/board/alerts/${encodeURIComponent(alert.id)}/resolve`, { reason: '险情解除' })).status).toBe(409);
    const board = await (await get('/board', { cookie })).text();
    expect(board).toContain('宁防指〔2026〕9号');
    expect(board).toContain('到岗到位：已确认 0/');
    expect((await form(`/board/responses/${encodeURIComponent(alert.responseId)}/end`, { notice: '宁防指〔2026〕10号', reason: '险情解除' })).status).toBe(303);
    expect((await svc.call('GET', `/v1/alerts/${alert.id}`)).body).toMatchObject({ status: 'resolved', resolveReason: '险情解除', resolvedBy: 'p-duty' });
    expect((await svc.call('GET', `/v1/responses/${alert.responseId}`)).body).toMatchObject({
      status: 'ended',
      acts: [{ type: 'start' }, { type: 'end', notice: '宁防指〔2026〕10号' }],
    });
    const leader = await svc.token('leader', 'p-lead');
    const leaderLogin = await svc.runtime.app.request('/board/login', { method: 'POST', body: new URLSearchParams({ token: leader }) });
    const leaderCookie = leaderLogin.headers.get('set-cookie')!.split(';')[0]!;
    const refused = await svc.runtime.app.request('/board/declare', {
      method: 'POST',
      headers: { cookie: leaderCookie },
      body: new URLSearchParams({ townshipId: '341881100', level: 'I', notice: 'x', reason: 'y' }),
    });
    expect(refused.status).toBe(403);
  });

  it('draws a station page with its rainfall bars and warning line', async () => {
    const html = await (await get('/board/stations/W1', { cookie })).text();
    expect(html).toContain('class="line-warning"');
    expect(html).toContain('警戒 35.5');
    expect(html).toContain('<polyline');
    expect(html).toContain('5分钟雨量');
  });
});
