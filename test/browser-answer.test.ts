import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, testConfig, fastCallouts, HOUR, type TestService } from './helpers.js';
import { browserAvailable, narrowestColumn, newPage, openBrowser, screenshot, type BrowserHarness } from './support/browser.js';

/**
 * The personal answer page in a real Chromium at a desk and on a phone: one page answers all of
 * a leader's townships, shows the duty room's phone (tap to call) and each command post (tap to
 * open a map app), and the arrival button says first that it asks for the location.
 */
describe.skipIf(!browserAvailable)('answer page in Chromium', () => {
  let svc: TestService;
  let harness: BrowserHarness;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const config = testConfig((c) => {
      fastCallouts(c);
      for (const l of ['IV', 'III', 'II', 'I'] as const) c.policy.levels[l] = { ...c.policy.levels[l], ackWithin: HOUR, arriveWithin: 2 * HOUR };
    });
    svc = await startService({ config, workers: true, drill: true });
    const data = alertDataset('http://hooks.test');
    data.townships.push(
      { id: '341881101', name: '梅林镇', commandPost: { lat: 30.56, lon: 119.05, address: '梅林镇人民政府防汛指挥部' } },
      { id: '341881102', name: '中溪镇', commandPost: { lat: 30.455, lon: 118.88 } },
    );
    data.townships[0]!.commandPost = { lat: 30.63, lon: 118.98, address: '西津街道办事处三楼防汛指挥部' };
    data.people.push({ id: 'p-zx', name: '中溪镇镇长', contacts: [{ channel: 'webhook', to: 'http://hooks.test/p-zx' }] });
    data.assignments.push(
      { townshipId: '341881101', personId: 'p-lead', role: 'liaison-leader' },
      { townshipId: '341881102', personId: 'p-zx', role: 'township-head' },
    );
    await svc.importData(data);
    const duty = await svc.token('duty', 'p-duty');
    for (const tid of ['341881001', '341881100', '341881101', '341881102']) {
      const res = await svc.call('POST', `/v1/townships/${tid}/declare`, {
        token: duty,
        body: { level: 'III', notice: '宁防指〔2026〕8号', reason: '强降雨，做好防范' },
      });
      expect(res.status).toBe(201);
      ids[tid] = res.body.id;
    }
    harness = await openBrowser(svc);
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await svc?.close();
  });

  const link = (alertId: string, personId = 'p-lead') => svc.runtime.services.links.signer.sign({ alertId, personId, expiresAt: Date.now() + HOUR });
  const leadState = async (tid: string) => (await svc.call('GET', `/v1/alerts/${ids[tid]}`)).body.recipients.find((r: any) => r.personId === 'p-lead');

  it('at a desk: every township of the leader on one page, the duty phone and the map links; one item answered on its own', async () => {
    const page = await newPage(harness.browser, 'desk');
    await page.goto(`${harness.base}/a/${link(ids['341881100']!)}`);
    const items = page.locator('section.item');
    expect(await items.count()).toBe(3);
    // The link's own item first, then the others; another person's township is not there.
    expect(await items.first().locator('h2').textContent()).toContain('港口镇');
    const body = (await page.textContent('main'))!;
    for (const name of ['西津街道', '梅林镇', '港口镇']) expect(body).toContain(name);
    expect(body).not.toContain('中溪镇');
    expect(body).toContain('您联系的');
    expect(await page.getAttribute('a.tel', 'href')).toBe('tel:05634012345');
    expect(await page.textContent('p.duty')).toContain('值班室电话');
    const map = await page.locator('#item-' + cssId(ids['341881101']!) + ' a.map').getAttribute('href');
    expect(map).toContain('https://uri.amap.com/marker?position=119.05%2C30.56');
    expect(decodeURIComponent(map!)).toContain('梅林镇人民政府防汛指挥部');
    expect(await page.locator('a.geo').first().getAttribute('href')).toMatch(/^geo:30\.7,118\.93\?q=/);
    expect(body).toContain('报到岗时将请求您手机的位置');
    expect(body).toContain('依据：');
    await screenshot(page, 'answer', 'desk');

    await page.locator('#item-' + cssId(ids['341881001']!) + ' button', { hasText: '确认收到' }).click();
    await page.waitForSelector('text=确认成功');
    expect((await leadState('341881001')).ackVia).toBe('link');
    expect((await leadState('341881100')).ackedAt).toBeNull();
    await page.context().close();
  }, 60_000);

  it('on a phone: one tap acknowledges the rest, each recorded on its own alert; arrival sends the location; no squeezed column', async () => {
    const page = await newPage(harness.browser, 'phone');
    await page.context().grantPermissions(['geolocation']);
    await page.context().setGeolocation({ latitude: 30.7003, longitude: 118.9302 });
    await page.goto(`${harness.base}/a/${link(ids['341881101']!)}`);
    await page.waitForSelector('text=全部确认收到（2项）');
    await screenshot(page, 'answer', 'phone');
    const narrowest = await narrowestColumn(page);
    expect(narrowest.chars, narrowest.where).toBeGreaterThanOrEqual(4);
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await page.click('button >> text=全部确认收到');
    await page.waitForSelector('text=已确认 2 项');
    for (const tid of ['341881001', '341881100', '341881101']) expect((await leadState(tid)).ackVia).toBe('link');
    const timeline = (await svc.call('GET', `/v1/alerts/${ids['341881101']}`)).body.timeline;
    expect(timeline.filter((t: any) => t.type === 'acknowledged' && t.personId === 'p-lead')).toHaveLength(1);
    expect((await svc.call('GET', `/v1/alerts/${ids['341881102']}`)).body.recipients.every((r: any) => r.ackedAt === null)).toBe(true);

    await page.locator('#item-' + cssId(ids['341881100']!) + ' button', { hasText: '我已到岗' }).click();
    await page.waitForSelector('text=已记录到岗', { timeout: 15_000 });
    const arrived = await leadState('341881100');
    expect(arrived.distanceM).toBeLessThan(100);
    expect(arrived.arrival).toMatchObject({ flagged: false });
    await page.context().close();
  }, 60_000);

  it("a link acts only on its own person's items", async () => {
    const res = await svc.runtime.app.request(`/a/${link(ids['341881001']!)}`, {
      method: 'POST',
      body: new URLSearchParams({ action: 'ack', alert: ids['341881102']! }),
    });
    expect(res.status).toBe(403);
    expect((await svc.call('GET', `/v1/alerts/${ids['341881102']}`)).body.recipients.every((r: any) => r.ackedAt === null)).toBe(true);
  });
});

/** An alert id as a CSS id selector (ids hold `~`). */
function cssId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (ch) => `\\${ch}`);
}
