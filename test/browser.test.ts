import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { startService, alertDataset, beijing, testConfig, type TestService } from './helpers.js';
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
});
