import { existsSync, mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../src/infra/redisServer.js';
import type { TestService } from '../helpers.js';

/**
 * Shared set-up for the browser suites: Debian's `chromium` driven by playwright-core, the two sizes the
 * duty room uses (a desk screen and a phone), screenshots into test-artifacts/, and a measurement of the
 * narrowest column on a page. CI installs chromium and sets FANGXUN_REQUIRE_BROWSER=1 so a suite cannot
 * silently skip there.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable && process.env.FANGXUN_REQUIRE_BROWSER === '1') throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

export const DESK = { width: 1440, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;
export const SIZES = { desk: DESK, phone: PHONE } as const;
export type SizeName = keyof typeof SIZES;

export interface BrowserHarness {
  browser: Browser;
  base: string;
  close(): Promise<void>;
}

/** Serves the service's app on a local port and launches Chromium against it. */
export async function openBrowser(svc: TestService): Promise<BrowserHarness> {
  const port = await freePort();
  const server: ServerType = serve({ fetch: svc.runtime.app.fetch, port, hostname: '127.0.0.1' });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  return {
    browser,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** A page at one of the two sizes; a phone page is a touch device at 3× like the phones leaders carry. */
export async function newPage(browser: Browser, size: SizeName): Promise<Page> {
  const context = await browser.newContext(size === 'phone' ? { viewport: PHONE, deviceScaleFactor: 3, isMobile: true, hasTouch: true } : { viewport: DESK });
  return context.newPage();
}

/** Writes test-artifacts/<name>-<size>.png (full page) and returns its path. */
export async function screenshot(page: Page, name: string, size: SizeName): Promise<string> {
  mkdirSync('test-artifacts', { recursive: true });
  const path = `test-artifacts/${name}-${size}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface NarrowestColumn {
  /** Width of the narrowest visible table cell or grid column, in characters of its own font size. */
  chars: number;
  /** Which cell it is (tag, class and the start of its text), to say what broke. */
  where: string;
}

/**
 * Measures every visible table cell (th/td) and every element marked `data-col` on the page: its width in
 * characters of its own font size (a CJK character is about 1em wide). A phone layout that squeezes a
 * name into one character per line shows up here as a value under 4.
 */
export async function narrowestColumn(page: Page): Promise<NarrowestColumn> {
  return page.evaluate(() => {
    let best = { chars: Infinity, where: 'none' };
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('th, td, [data-col]'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue; // not shown at this size
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      if (!(el.textContent ?? '').trim()) continue; // an empty spacer holds no words to squeeze
      const chars = box.width / parseFloat(style.fontSize);
      if (chars < best.chars) best = { chars, where: `${el.tagName.toLowerCase()}.${el.className} «${(el.textContent ?? '').trim().slice(0, 20)}»` };
    }
    return best;
  });
}
