import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { alertDataset, startService, testConfig, type TestService } from './helpers.js';
import { browserAvailable, narrowestColumn, newPage, openBrowser, screenshot, type BrowserHarness, type SizeName } from './support/browser.js';
import { startFakeProviders, FAKE_SECRETS, type FakeProviders } from './support/fakeProviders.js';
import { HttpSms, SmsChannel } from '../src/channels/sms.js';

/**
 * Sign-in by a code sent by SMS and the roster page (值班表) in a real Chromium, at the desk
 * (1440×900) and on a phone (390×844): the month with its gaps, a CSV upload shown row by row
 * before it is imported, a swap, the personal calendar address. Screenshots in test-artifacts/.
 */
const NOW = Date.parse('2026-07-10T12:00:00+08:00');
const ADMIN_PHONE = '13900000011';
const DUTY_PHONE = '13900000012';
const GOOD_CSV =
  '日期,带班领导,值班员,值班电话\n2026-07-01,带班领导丙,值班员乙、值班员丁,0563-4012345\n2026/7/2,带班领导丙,"值班员乙,值班员丁",0563-4012345\n7月3日,指挥长丁,值班员乙,0563-4012345\n';
const BAD_CSV =
  '日期,带班领导,值班员,值班电话\n2026-07-01,带班领导丙,值班员乙,0563-4012345\n2026-07-02,无名氏,值班员乙,0563-4012345\n7月32日,带班领导丙,值班员乙,\n';

describe.skipIf(!browserAvailable)('sign-in and the roster page in a browser', () => {
  let svc: TestService;
  let fake: FakeProviders;
  let h: BrowserHarness;
  const refused: string[] = [];

  beforeAll(async () => {
    fake = await startFakeProviders();
    const channels = new Map([['sms', new SmsChannel([new HttpSms('gateway', `${fake.url}/sms`, FAKE_SECRETS.smsToken, 2_000)])]]);
    svc = await startService({ config: testConfig(), channels, now: () => NOW });
    const data = alertDataset('http://hooks.test', NOW);
    (data.people.find((p) => p.id === 'p-cmd')!.contacts ??= []).push({ channel: 'sms', to: ADMIN_PHONE });
    (data.people.find((p) => p.id === 'p-duty')!.contacts ??= []).push({ channel: 'sms', to: DUTY_PHONE });
    data.people.push({ id: 'p-duty2', name: '值班员丁' });
    data.shifts = [
      {
        id: 'shift-now',
        start: '2026-07-10T08:00:00+08:00',
        end: '2026-07-11T08:00:00+08:00',
        leaderId: 'p-shift',
        officerIds: ['p-duty'],
        phone: '0563-4012345',
      },
    ];
    await svc.importData(data);
    await svc.call('POST', '/v1/admin/tokens', { body: { role: 'admin', personId: 'p-cmd', name: '指挥长' } }); // p-cmd administers the board
    h = await openBrowser(svc);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await svc?.close();
    await fake?.close();
  });

  async function page(size: SizeName): Promise<Page> {
    const p = await newPage(h.browser, size);
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) refused.push(m.text());
    });
    return p;
  }

  async function signInByCode(p: Page, phone: string, size: SizeName): Promise<void> {
    await p.goto(`${h.base}/board/login`);
    await screenshot(p, 'signin', size);
    const before = fake.of('sms').length;
    await p.fill('input[name=phone]', phone);
    await p.click('#phone-submit');
    await p.waitForSelector('#code-form');
    expect(await p.textContent('.login')).toContain('验证码已通过短信发送');
    await screenshot(p, 'signin-code', size);
    await svc.runtime.services.signIn.settled(); // the SMS goes out after the answer
    const sms = fake
      .of('sms')
      .slice(before)
      .find((r) => String(r.json?.phone) === phone);
    const code = /验证码：(\d{6})/.exec(String(sms?.json?.text))?.[1];
    expect(code, 'the code arrived at the SMS gateway').toMatch(/^\d{6}$/);
    await p.fill('input[name=code]', code!);
    await p.click('#code-submit');
    await p.waitForURL(`${h.base}/board`);
  }

  it('desk: an administrator signs in by code, sees the month with its gaps, previews a CSV row by row and imports it', async () => {
    const p = await page('desk');
    await signInByCode(p, ADMIN_PHONE, 'desk');
    expect(await p.textContent('header')).toContain('指挥长丁（管理员）');
    await p.click('header a[href="/board/roster"]');
    await p.waitForURL(/\/board\/roster/);
    expect(await p.textContent('h2')).toContain('2026年7月值班表');
    // Only 10 July is covered (shift-now): the other days are gaps.
    expect(await p.locator('#month tr.gap').count()).toBe(30);
    expect(await p.textContent('#gap-count')).toBe('30天缺人');
    expect(await p.textContent('#month tr[data-day="9"]')).toContain('无人值班');

    // A file with mistakes: every row with its Chinese verdict, nothing to confirm.
    await p.setInputFiles('input[type=file]', { name: '七月值班表.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD_CSV) });
    await p.click('#upload-preview');
    await p.waitForSelector('#dry-run');
    expect(await p.textContent('#dry-run tr[data-row="2"]')).toContain('新增');
    expect(await p.textContent('#dry-run tr[data-row="3"]')).toContain('带班领导“无名氏”不在人员名单中');
    expect(await p.textContent('#dry-run tr[data-row="4"]')).toContain('日期“7月32日”无法识别');
    expect(await p.locator('#commit-import').count()).toBe(0);

    await p.setInputFiles('input[type=file]', { name: '七月值班表.csv', mimeType: 'text/csv', buffer: Buffer.from(GOOD_CSV) });
    await p.click('#upload-preview');
    await p.waitForSelector('#commit-import');
    expect(await p.locator('#dry-run tr.row-ok').count()).toBe(3);
    expect(await p.textContent('#dry-run')).toContain('新增 3 天');
    expect(await p.textContent('#import-gaps')).toContain('无人值班'); // 4–9 July and from the 11th stay open
    await screenshot(p, 'roster-dry-run', 'desk');
    expect((await svc.call('GET', '/v1/duty?from=2026-07-01&to=2026-07-04')).body).toHaveLength(0); // a preview writes nothing
    await p.click('#commit-import');
    await p.waitForSelector('.notice');
    expect(await p.textContent('.notice')).toContain('值班表已导入');
    expect(await p.textContent('#month tr[data-day="1"]')).toContain('值班员乙、值班员丁');
    expect(await p.locator('#month tr.gap').count()).toBe(27);
    expect((await svc.call('GET', '/v1/duty?from=2026-07-01&to=2026-07-04')).body).toHaveLength(3);
    await screenshot(p, 'roster', 'desk');
    const narrow = await narrowestColumn(p);
    expect(narrow.chars, narrow.where).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('phone: a duty officer signs in by code, reads the month as cards, swaps a shift and copies a calendar address', async () => {
    const p = await page('phone');
    await signInByCode(p, DUTY_PHONE, 'phone');
    expect(await p.textContent('header')).toContain('值班员乙（值班人员）');
    await p.goto(`${h.base}/board/roster?month=2026-07`);
    await screenshot(p, 'roster', 'phone');
    const narrowest = await narrowestColumn(p);
    expect(narrowest.chars, narrowest.where).toBeGreaterThanOrEqual(4);
    expect(await p.locator('#upload').count()).toBe(0); // only administrators import

    /** On a day's 换班 page: `from` leaves, `to` comes (and with `withShift` the two exchange shifts). */
    const swapOnPage = async (day: number, fields: { from: string; to: string; reason?: string; withShift?: string }, shot?: string) => {
      await p.click(`#month tr[data-day="${day}"] a[href^="/board/roster/swap/"]`);
      await p.waitForSelector('#swap-form');
      if (shot) await screenshot(p, shot, 'phone');
      expect(await p.evaluate(() => document.documentElement.scrollWidth), 'the 换班 page fits the phone without sideways scrolling').toBeLessThanOrEqual(390);
      await p.check(`input[name=from][value=${fields.from}]`);
      await p.selectOption('#swap-to', fields.to);
      if (fields.withShift) await p.selectOption('#swap-with', fields.withShift);
      if (fields.reason) await p.fill('input[name=reason]', fields.reason);
      await p.click('#swap-submit');
      await p.waitForSelector('.notice');
      expect(await p.textContent('.notice')).toContain('已调整，双方已收到通知');
    };
    await swapOnPage(3, { from: 'p-duty', to: 'p-duty2', reason: '调休' }, 'roster-swap');
    expect(await p.textContent('#month tr[data-day="3"]')).toContain('值班员丁');
    const history = await svc.call('GET', '/v1/admin/shifts/duty-2026-07-03/history');
    expect(history.body[0]).toMatchObject({ action: 'shifts.swap', actor: 'p-duty', role: 'duty' });
    // 换班: on 10 July 值班员乙 exchanges with 值班员丁, who now has 3 July.
    await swapOnPage(10, { from: 'p-duty', to: 'p-duty2', withShift: 'duty-2026-07-03' });
    expect(await p.textContent('#month tr[data-day="10"]')).toContain('值班员丁');
    expect(await p.textContent('#month tr[data-day="3"]')).toContain('值班员乙');

    await p.click('#make-calendar');
    await p.waitForSelector('#calendar-url');
    const url = await p.inputValue('#calendar-url');
    expect(url).toMatch(/\/v1\/duty\.ics\?token=/);
    const feed = await svc.runtime.app.request(url.slice(url.indexOf('/v1/')));
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('BEGIN:VCALENDAR');
    await p.click('#copy-calendar');
    expect(await p.textContent('#copy-calendar')).toBe('已复制');
    expect(refused).toEqual([]);
  }, 120_000);
});
