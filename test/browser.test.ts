import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { startService, alertDataset, beijing, testConfig, waitFor, type TestService } from './helpers.js';
import { freePort } from '../src/infra/redisServer.js';

/**
 * The duty board in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * sign in, watch a township change colour without a reload, acknowledge on someone's behalf.
 * A screenshot of the board is kept in test-artifacts/. CI installs chromium and sets
 * FANGXUN_REQUIRE_BROWSER=1 so the suite cannot silently skip there.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.FANGXUN_REQUIRE_BROWSER === '1') throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

describe.skipIf(!available)('the board in a browser', () => {
  let svc: TestService;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let duty: string;
  let key: string;

  beforeAll(async () => {
    svc = await startService({ config: testConfig((c) => (c.policy.levels.IV.ackWithin = 600_000)), workers: true, drill: true });
    await svc.importData(alertDataset('http://hooks.test'));
    duty = await svc.token('duty', 'p-duty');
    key = await svc.gaugeKey();
    const port = await freePort();
    server = serve({ fetch: svc.runtime.app.fetch, port, hostname: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await svc?.close();
  });

  it('signs in, turns a township blue live, and acknowledges on behalf', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${base}/board`);
    expect(page.url()).toBe(`${base}/board/login`);
    await page.fill('input[name=token]', duty);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/board`);
    const row = page.locator('tr', { hasText: '西津街道' }).first();
    await expect.poll(() => row.locator('td.warning .lv').getAttribute('class')).toContain('lv-none');
    await page.waitForTimeout(1_500); // the live stream has its first fingerprint

    // A reading raises the township: the page changes without a reload.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 30_000), waterLevelM: 35.9 } });
    await expect.poll(() => row.locator('td.warning .lv').getAttribute('class'), { timeout: 10_000 }).toContain('lv-IV');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42); // same page, not reloaded
    const circle = page.locator('svg circle').first();
    expect(await circle.count()).toBeGreaterThan(0);

    // Acknowledge on the township head's behalf.
    const head = page.locator('tr', { hasText: '西津街道主任' }).first();
    await head.locator('input[name=note]').fill('电话已叫应');
    await head.locator('button', { hasText: '代为确认' }).click();
    await expect.poll(async () => (await page.locator('tr', { hasText: '西津街道主任' }).first().textContent()) ?? '', { timeout: 10_000 }).toContain('已确认');
    const alertId = (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId;
    const rec = (await svc.call('GET', `/v1/alerts/${alertId}`)).body.recipients.find((r: any) => r.personId === 'p-head');
    expect(rec).toMatchObject({ onBehalfOf: 'p-duty', ackNote: '电话已叫应' });

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/board.png', fullPage: true });
    expect(existsSync('test-artifacts/board.png')).toBe(true);
  }, 60_000);

  it('runs the board and the answer page under a CSP without unsafe-inline, with nothing refused', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(e.message));
    const login = await page.goto(`${base}/board/login`);
    const csp = login!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.fill('input[name=token]', duty);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/board`);
    await page.waitForTimeout(500);

    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 20_000), waterLevelM: 35.9 } });
    const alertId = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId as string | null, 10_000, 'an open alert');
    const link = svc.runtime.services.links.signer.sign({ alertId, personId: 'p-lead', expiresAt: Date.now() + 3_600_000 });
    await page.goto(`${base}/a/${link}`);
    // The page's stylesheet (a file) applies; its arrival script (a file) runs and submits the form.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(244, 246, 248)');
    await page.click('button[type=submit] >> text=确认收到');
    await page.waitForSelector('text=确认成功');
    await page.click('button >> text=我已到岗');
    await page.waitForSelector('text=已记录到岗', { timeout: 15_000 });

    // An HQ response's page and its forms (adjust, end) run under the same CSP.
    const started = await svc.call('POST', '/v1/responses', {
      body: { level: 'IV', scope: { townships: ['341881100'] }, notice: '宁防指〔2026〕9号', reason: '港口湾水库超汛限' },
    });
    expect(started.status).toBe(201);
    await page.goto(`${base}/board/responses/${encodeURIComponent(started.body.id)}`);
    await page.waitForSelector('text=宁防指〔2026〕9号');
    const end = page.locator(`form[action$="/end"]`);
    await end.locator('input[name=notice]').fill('宁防指〔2026〕10号');
    await end.locator('input[name=reason]').fill('雨情趋缓');
    await end.locator('button[type=submit]').click();
    await page.waitForURL(`${base}/board#responses`);
    expect((await svc.call('GET', `/v1/responses/${encodeURIComponent(started.body.id)}`)).body.status).toBe('ended');
    expect(violations).toEqual([]);
  }, 60_000);
});
