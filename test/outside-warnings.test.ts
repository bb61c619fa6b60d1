import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { alertDataset, startService, testConfig, waitFor, type TestService } from './helpers.js';

/**
 * Outside warnings (CAP 1.2, POST /v1/warnings) against a real Redis with the drill outbox:
 * they raise the warnings of the townships they cover like a gauge would, an Update changes
 * the level, a Cancel ends it, an exercise notifies nobody, and the HQ's advice counts them.
 */
const services: TestService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

/** A fixture with its expiry moved to `expiresIn` from now (the files carry a past storm's times). */
function cap(name: string, expiresIn = 2 * 3_600_000): string {
  const expires = new Date(Date.now() + expiresIn).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  return readFileSync(`test/fixtures/cap/inbound/${name}`, 'utf8').replace(/<((?:cap:)?expires)>[^<]*</g, `<$1>${expires}<`);
}

async function start(clearAfter = 3_600_000, autoResolve = false) {
  const svc = await startService({ config: testConfig((c) => Object.assign(c.policy, { clearAfter, autoResolve })), workers: true, drill: true });
  services.push(svc);
  await svc.importData(alertDataset('http://hooks.test'));
  return svc;
}

const post = (svc: TestService, body: string, contentType = 'application/cap+xml') => svc.call('POST', '/v1/warnings', { raw: body, contentType });
const township = async (svc: TestService, id = '341881001') => (await svc.call('GET', `/v1/townships/${id}`)).body;
const outbox = async (svc: TestService) => (await svc.call('GET', '/v1/admin/outbox?limit=500')).body as any[];

describe('outside warnings (POST /v1/warnings)', () => {
  it('暴雨橙色 raises the warning of the townships it covers; they are notified and must answer like a gauge warning', async () => {
    const svc = await start();
    const res = await post(svc, cap('rainstorm-orange.xml'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      msgType: 'Alert',
      status: 'Actual',
      colour: 'orange',
      level: 'II',
      counts: true,
      townships: [{ id: '341881001', name: '西津街道', by: 'geocode' }],
    });
    const t = await township(svc);
    expect(t.level).toBe('II');
    expect(t.outsideWarnings).toEqual([
      expect.objectContaining({ source: '宁国市气象台', event: '暴雨', colour: 'orange', level: 'II', active: true, status: 'Actual' }),
    ]);
    expect(t.openAlertId).toBeTruthy();
    // 港口镇 is not in the area.
    expect((await township(svc, '341881100')).level).toBeNull();
    const alert = (await svc.call('GET', `/v1/alerts/${t.openAlertId}`)).body;
    expect(alert).toMatchObject({ kind: 'warning', level: 'II' });
    expect(alert.reasons[0]).toMatchObject({
      kind: 'outside',
      source: '宁国市气象台',
      event: '暴雨',
      colour: 'orange',
      level: 'II',
      identifier: '34188101300000_20260705080000_1',
    });
    const head = alert.recipients.find((r: any) => r.personId === 'p-head');
    expect(head).toMatchObject({ mustAck: true, ackedAt: null });
    expect(head.ackDeadline).toBeTruthy();
    const msg = await waitFor(async () => (await outbox(svc)).find((m) => m.personId === 'p-head'), 8_000, 'the head told');
    expect(msg.text).toContain('依据：宁国市气象台暴雨橙色预警');
    // The board's township table shows it as evidence.
    const board = await svc.call('GET', '/board', { raw: undefined });
    expect(String(board.body)).toContain('宁国市气象台暴雨橙色预警');
    // Answered like any warning.
    expect((await svc.call('POST', `/v1/alerts/${t.openAlertId}/ack`, { token: await svc.token('leader', 'p-head'), body: {} })).status).toBe(200);
  });

  it('an Update changes the level; a Cancel ends it and the warning ends after clearAfter (autoResolve)', async () => {
    const svc = await start(1_000, true);
    await post(svc, cap('rainstorm-orange.xml'));
    const up = await post(svc, cap('rainstorm-update-red.xml'));
    expect(up.body).toMatchObject({
      msgType: 'Update',
      colour: 'red',
      level: 'I',
      removed: [{ townshipId: '341881001', identifier: '34188101300000_20260705080000_1' }],
    });
    const t = await township(svc);
    expect(t.level).toBe('I');
    expect(t.outsideWarnings.map((w: any) => w.identifier)).toEqual(['34188101300000_20260705103000_1']);
    expect((await svc.call('GET', `/v1/alerts/${t.openAlertId}`)).body.level).toBe('I');
    const cancel = await post(svc, cap('rainstorm-cancel.xml'));
    expect(cancel.body).toMatchObject({
      msgType: 'Cancel',
      townships: [],
      removed: [{ townshipId: '341881001', identifier: '34188101300000_20260705103000_1' }],
    });
    const after = await township(svc);
    expect(after.level).toBeNull();
    expect(after.outsideWarnings).toEqual([]);
    // No rain and no outside warning: like a gauge warning, it waits clearAfter, then (autoResolve) ends.
    expect((await svc.call('GET', `/v1/alerts/${t.openAlertId}`)).body).toMatchObject({
      status: 'open',
      computedLevel: null,
      lowering: { since: expect.any(String) },
    });
    const ended = await waitFor(
      async () => {
        const a = (await svc.call('GET', `/v1/alerts/${t.openAlertId}`)).body;
        return a.status === 'resolved' ? a : null;
      },
      10_000,
      'the warning ended after the Cancel and clearAfter',
    );
    expect(ended.resolvedBy).toBe('system');
    const told = await waitFor(async () => (await outbox(svc)).find((m) => m.personId === 'p-head' && /解除/.test(m.title)), 8_000, 'the end told');
    expect(told.text).toContain('预警已解除');
  });

  it('an expired warning stops counting', async () => {
    const svc = await start();
    const res = await post(svc, cap('rainstorm-orange.xml', -60_000));
    expect(res.body.level).toBe('II');
    const t = await township(svc);
    expect(t.level).toBeNull();
    expect(t.outsideWarnings[0]).toMatchObject({ active: false });
    expect(t.openAlertId).toBeNull();
  });

  it('an exercise (演练) is stored and shown, and notifies nobody', async () => {
    const svc = await start();
    const res = await post(svc, cap('flood-exercise.xml'), 'application/xml');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'Exercise', counts: false });
    expect(res.body.note).toMatch(/never notifies/);
    expect(res.body.townships.map((t: any) => t.id).sort()).toEqual(['341881001', '341881100']);
    const t = await township(svc);
    expect(t.level).toBeNull();
    expect(t.openAlertId).toBeNull();
    expect(t.outsideWarnings[0]).toMatchObject({ status: 'Exercise', active: false });
    await new Promise((r) => setTimeout(r, 500));
    expect(await outbox(svc)).toEqual([]);
    // An exercise Cancel naming a real warning leaves it in force.
    await post(svc, cap('rainstorm-orange.xml'));
    const drillCancel = cap('rainstorm-cancel.xml').replace('<status>Actual</status>', '<status>Exercise</status>');
    expect((await post(svc, drillCancel)).body).toMatchObject({ status: 'Exercise', removed: [] });
    expect((await township(svc)).level).toBe('II');
  });

  it('takes the JSON form too; a malformed message is a 400 saying where; other media types a 415', async () => {
    const svc = await start();
    const json = JSON.parse(readFileSync('test/fixtures/cap/inbound/rainstorm-orange.json', 'utf8'));
    const ok = await svc.call('POST', '/v1/warnings', { body: json });
    expect(ok.status).toBe(200);
    const bad = await post(svc, '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x1</identifier><sender>a@b</sender></alert>');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_cap' });
    expect(bad.body.error.message).toMatch(/^Not a usable CAP 1.2 message: \w+/);
    expect(bad.body.error.details[0].path).not.toBe('');
    const notXml = await post(svc, '<alert><info>');
    expect(notXml.status).toBe(400);
    expect((await post(svc, 'hello', 'text/plain')).status).toBe(415);
    const leader = await svc.token('leader', 'p-lead');
    expect((await svc.call('POST', '/v1/warnings', { token: leader, raw: cap('rainstorm-orange.xml'), contentType: 'application/cap+xml' })).status).toBe(403);
  });

  it('the recommendation to the HQ counts outside warnings', async () => {
    const svc = await start();
    // No gauge reading at all: only the outside warning (红色 → Ⅰ) points above the response in force (none).
    expect((await svc.call('GET', '/v1/city')).body.recommendation).toBeNull();
    await post(svc, cap('rainstorm-update-red.xml'));
    const rec = await waitFor(async () => ((await svc.call('GET', '/v1/notices?kind=recommendation')).body as any[])[0], 8_000, 'a recommendation');
    const notice = (await svc.call('GET', `/v1/notices/${rec.id}`)).body;
    expect(notice.text).toContain('建议启动西津街道Ⅰ级应急响应');
    const city = (await svc.call('GET', '/v1/city')).body;
    expect(city.warnings).toEqual([{ townshipId: '341881001', name: '西津街道', level: 'I', response: null }]);
    expect(city.recommendation.townships).toEqual([{ id: '341881001', name: '西津街道', level: 'I' }]);
  });
});

describe('outside warning feed (warnings.feed)', () => {
  it('polls an Atom feed of CAP: a new entry is taken once, a broken one skipped, the townships warned', async () => {
    const { createServer } = await import('node:http');
    const hits: string[] = [];
    const atom = (base: string) => `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed:test</id><title>预警信息</title><updated>${new Date().toISOString()}</updated>
  <entry><id>urn:cap:orange</id><title>暴雨橙色预警信号</title><updated>${new Date().toISOString()}</updated><link rel="alternate" type="application/cap+xml" href="${base}/cap/orange.xml"/></entry>
  <entry><id>urn:cap:broken</id><title>损坏</title><updated>${new Date().toISOString()}</updated><link href="/cap/broken.xml"/></entry>
</feed>`;
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      if (req.url === '/feed.xml') return res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom(base));
      if (req.url === '/cap/orange.xml') return res.writeHead(200, { 'content-type': 'application/cap+xml' }).end(cap('rainstorm-orange.xml'));
      if (req.url === '/cap/broken.xml')
        return res
          .writeHead(200, { 'content-type': 'application/cap+xml' })
          .end('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>b</identifier></alert>');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/feed.xml`;
      const svc = await startService({ config: testConfig((c) => (c.policy.warnings.feed = { url, every: 300 })), workers: true, drill: true });
      services.push(svc);
      await svc.importData(alertDataset('http://hooks.test'));
      const t = await waitFor(async () => ((await township(svc)).level === 'II' ? township(svc) : null), 10_000, 'the feed entry taken');
      expect(t.outsideWarnings[0]).toMatchObject({ source: '宁国市气象台', level: 'II', active: true });
      await waitFor(async () => hits.filter((h) => h === '/feed.xml').length >= 3, 10_000, 'more polls');
      expect(hits.filter((h) => h === '/cap/orange.xml')).toHaveLength(1);
      expect(hits.filter((h) => h === '/cap/broken.xml')).toHaveLength(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
