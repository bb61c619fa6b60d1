import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDataset, startService, testConfig, type TestService } from './helpers.js';

/**
 * Scope everywhere: a leader sees only the alerts and HQ responses that notified them on the
 * board (panels and response pages), its live stream and the CAP feed; a deleted person's tokens
 * and answer links (codes and signed) stop; one encoding per link.
 */
let svc: TestService;
let alertId: string;
let head: string; // 西津街道主任: not notified about 港口镇
let port: string; // 港口镇镇长: notified
beforeAll(async () => {
  svc = await startService({ config: testConfig(), drill: true });
  await svc.importData(alertDataset('http://hooks.test'));
  const res = await svc.call('POST', '/v1/townships/341881100/declare', { body: { level: 'III', notice: '宁防指〔2026〕7号', reason: '港口湾水库超汛限' } });
  expect(res.status).toBe(201);
  alertId = res.body.id;
  head = await svc.token('leader', 'p-head');
  port = await svc.token('leader', 'p-port');
});
afterAll(() => svc.close());

const page = async (path: string, token: string) => {
  const res = await svc.runtime.app.request(path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
};

/** Whether a `refresh` arrives on the board stream of `token` within `ms` after `act`. */
async function refreshes(token: string, act: () => Promise<unknown>, ms = 3_500): Promise<boolean> {
  const ctrl = new AbortController();
  const res = await svc.runtime.app.request('/board/events', { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
  const reader = res.body!.getReader();
  await new Promise((r) => setTimeout(r, 1_200)); // the stream has taken its first stamp
  await act();
  const deadline = Date.now() + ms;
  let text = '';
  try {
    while (Date.now() < deadline && !text.includes('event: refresh')) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
      if (!chunk || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
  } finally {
    ctrl.abort();
    await reader.cancel().catch(() => undefined);
  }
  return text.includes('event: refresh');
}

describe('a leader on the board and the feed', () => {
  it('sees only the alerts that notified them', async () => {
    // The declared level is a one-township HQ response: its call-out is the alert here.
    expect((await page('/board', port)).text).toContain('港口镇镇长');
    const board = await page('/board', head);
    expect(board.status).toBe(200);
    expect(board.text).not.toContain(alertId);
    expect(board.text).not.toContain('港口镇镇长');
    expect((await page(`/board/alerts/${encodeURIComponent(alertId)}`, head)).status).toBe(404);
    expect((await page(`/board/alerts/${encodeURIComponent(alertId)}`, port)).status).toBe(200);
    expect((await page('/board/fragment', head)).text).not.toContain(alertId);
    const feed = await page('/v1/cap/alerts.xml', head);
    expect(feed.status).toBe(200);
    expect(feed.text).not.toContain('<entry>');
    expect((await page('/v1/cap/alerts.xml', port)).text).toContain('<entry>');
  });

  it('sees only the HQ responses that told them: panels, the response page, the API', async () => {
    const responseId = (await svc.call('GET', `/v1/alerts/${encodeURIComponent(alertId)}`)).body.responseId as string;
    expect(responseId).toBeTruthy();
    const href = `/board/responses/${encodeURIComponent(responseId)}`;
    expect((await page('/board', port)).text).toContain(href);
    expect((await page('/board', head)).text).not.toContain(href);
    expect((await page('/board/fragment', head)).text).not.toContain(href);
    expect((await page(href, port)).status).toBe(200);
    const hidden = await page(href, head);
    expect(hidden.status).toBe(404);
    expect(hidden.text).not.toContain('宁防指〔2026〕7号');
    expect((await svc.call('GET', `/v1/responses/${encodeURIComponent(responseId)}`, { token: head })).status).toBe(404);
    expect((await svc.call('GET', '/v1/responses', { token: head })).body).toEqual([]);
  });

  it('gets no live refresh for an alert that is not theirs', async () => {
    const ack = (who: string) => () => svc.call('POST', `/v1/alerts/${encodeURIComponent(alertId)}/ack`, { body: { onBehalfOf: who, note: '电话确认' } });
    expect(await refreshes(head, ack('p-lead'))).toBe(false);
    expect(await refreshes(port, ack('p-port'))).toBe(true);
  });
});

describe('links and tokens', () => {
  it('accepts one encoding of an answer link only', async () => {
    const link = svc.runtime.services.links.signer.sign({ alertId, personId: 'p-lead', expiresAt: Date.now() + 3_600_000 });
    expect((await svc.runtime.app.request(`/a/${link}`)).status).toBe(200);
    const [p, s] = link.split('.') as [string, string];
    for (const variant of [`${p}=.${s}`, `${p}.${s}=`, `${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}`, `${p}.${s}%20`]) {
      if (variant === link) continue;
      expect((await svc.runtime.app.request(`/a/${variant}`)).status, variant).toBe(404);
    }
    // A short code: exactly as issued (codes are case-sensitive), nothing added or re-encoded.
    const code = await svc.runtime.services.links.issue({ alertId, personId: 'p-lead', expiresAt: Date.now() + 3_600_000 });
    expect((await svc.runtime.app.request(`/a/${code}`)).status).toBe(200);
    const swapped = [...code].map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())).join('');
    for (const variant of [swapped, `${code}=`, `${code}%20`, `${code}.`, `%20${code}`, code.slice(0, -1)]) {
      if (variant === code) continue;
      expect((await svc.runtime.app.request(`/a/${variant}`)).status, variant).toBe(404);
    }
  });

  it("ends a deleted person's tokens and answer links", async () => {
    const link = svc.runtime.services.links.signer.sign({ alertId, personId: 'p-port', expiresAt: Date.now() + 3_600_000 });
    const code = await svc.runtime.services.links.issue({ alertId, personId: 'p-port', expiresAt: Date.now() + 3_600_000 });
    expect((await svc.runtime.app.request(`/a/${link}`)).status).toBe(200);
    expect((await svc.runtime.app.request(`/a/${code}`)).status).toBe(200);
    // 港口镇 keeps a head (the roster refuses to leave it without), then p-port goes.
    expect((await svc.call('POST', '/v1/admin/assignments', { body: { townshipId: '341881100', personId: 'p-cmd', role: 'township-head' } })).status).toBe(201);
    expect((await svc.call('DELETE', `/v1/admin/assignments/${encodeURIComponent('341881100|township-head|p-port|')}`)).status).toBe(204);
    expect((await svc.call('DELETE', '/v1/admin/people/p-port')).status).toBe(204);
    expect((await svc.call('GET', '/v1/alerts', { token: port })).status).toBe(401);
    expect((await page('/board', port)).status).toBe(302); // back to sign-in
    const after = await svc.runtime.app.request(`/a/${link}`);
    expect(after.status).toBe(404);
    expect((await svc.runtime.app.request(`/a/${link}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) })).status).toBe(403);
    expect((await svc.runtime.app.request(`/a/${code}`)).status).toBe(404);
    expect((await svc.runtime.app.request(`/a/${code}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) })).status).toBe(403);
  });
});
