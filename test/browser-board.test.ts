import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startService, beijing, testConfig, waitFor, HOUR, type TestService } from './helpers.js';
import { importDatasetFile } from '../src/reference/file.js';
import { browserAvailable, newPage, narrowestColumn, openBrowser, screenshot, type BrowserHarness, type SizeName } from './support/browser.js';

/**
 * A storm night at the duty desk, in a real Chromium at 1440×900 and 390×844: the demo city
 * with ten townships under warnings from Ⅳ to Ⅰ and a Ⅳ response for two more. The board holds
 * still while the officer types a call note (live updates patch around it, the scroll stays),
 * its counts and 未应答 list agree with the API, the filters filter, 代为确认 and 立即升级 work in
 * place and really happen (the API and the drill outbox show it), no map label overlaps another,
 * and no column of the board, an alert page or a station page is narrower than four characters
 * on a phone. Screenshots of each page at both sizes go to test-artifacts/.
 */
const STORM: Array<[string, 'I' | 'II' | 'III' | 'IV']> = [
  ['341881001', 'I'],
  ['341881002', 'II'],
  ['341881003', 'III'],
  ['341881004', 'IV'],
  ['341881102', 'II'],
  ['341881103', 'III'],
  ['341881104', 'IV'],
  ['341881105', 'III'],
  ['341881106', 'IV'],
  ['341881107', 'II'],
];
const RANK: Record<string, number> = { none: 0, IV: 1, III: 2, II: 3, I: 4 };

let svc: TestService;
let h: BrowserHarness;
let duty: string;
let key: string;

/** Five-minute rain that gives `level` under the test calibration (12 h / 6 h / 3 h / 3 h ≥ 50 / 50 / 50 / 100 mm). */
function rainFor(stationId: string, level: 'I' | 'II' | 'III' | 'IV', now: number) {
  const shapes: Record<string, [number, number, number]> = { I: [10, 5, 11], II: [6, 5, 9], III: [12, 30, 4.5], IV: [12, 60, 4.5] };
  const [n, every, mm] = shapes[level]!;
  return Array.from({ length: n }, (_, i) => ({ stationId, observedAt: beijing(now - 60_000 - i * every * 60_000), rainfallMm: mm }));
}

async function signIn(page: Page) {
  await page.goto(`${h.base}/board/login`);
  await page.fill('input[name=token]', duty);
  await page.click('button[type=submit]');
  await page.waitForURL(`${h.base}/board`);
}

/** Every must-answer person not yet answered, from the API: open warnings and the call-outs of active responses. */
async function unansweredFromApi(): Promise<string[]> {
  const open = (await svc.call('GET', '/v1/alerts?status=open')).body as any[];
  const out = open.flatMap((a) => a.recipients.filter((r: any) => r.mustAck && !r.ackedAt && !r.arrivedAt).map((r: any) => `${a.id}:${r.personId}`));
  for (const r of (await svc.call('GET', '/v1/responses?status=active')).body as any[]) {
    for (const t of (await svc.call('GET', `/v1/responses/${r.id}`)).body.townships) {
      out.push(...t.people.filter((p: any) => p.mustAck && !p.ackedAt && !p.arrivedAt).map((p: any) => `${t.calloutId}:${p.personId}`));
    }
  }
  return out.sort();
}

const rowKeys = (page: Page) => page.$$eval('#unanswered tr[data-key]', (rows) => rows.map((r) => r.getAttribute('data-key')!.slice(2)).sort());

beforeAll(async () => {
  if (!browserAvailable) return;
  svc = await startService({
    config: testConfig(
      (c) => (c.policy.levels.IV.ackWithin = c.policy.levels.III.ackWithin = c.policy.levels.II.ackWithin = c.policy.levels.I.ackWithin = 1_800_000),
    ),
    workers: true,
    drill: true,
  });
  const imported = await importDatasetFile(svc.runtime.services.reference, 'config/demo/ningguo.yaml');
  if (!imported.ok) throw new Error(JSON.stringify(imported.issues));
  const now = Date.now();
  await svc.importData({
    shifts: [
      {
        id: 'shift-tonight',
        start: new Date(now - HOUR).toISOString(),
        end: new Date(now + 23 * HOUR).toISOString(),
        leaderId: 'p-shift-1',
        officerIds: ['p-duty-1', 'p-duty-2'],
        phone: '0563-4012345',
      },
    ],
  });
  duty = await svc.token('duty', 'p-duty-1');
  key = await svc.gaugeKey();
  const stations = (await svc.call('GET', '/v1/stations')).body as any[];
  for (const [tid, level] of STORM) {
    const gauges = stations.filter((s) => s.townshipId === tid && s.kind === 'rain').slice(0, 2);
    const res = await svc.call('POST', '/v1/readings', { token: key, body: { readings: gauges.flatMap((g) => rainFor(g.id, level, now)) } });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
  await waitFor(
    async () => {
      const ts = (await svc.call('GET', '/v1/townships')).body as any[];
      return STORM.every(([tid, level]) => ts.find((t) => t.id === tid)?.level === level && ts.find((t) => t.id === tid)?.openAlertId);
    },
    30_000,
    'the storm warnings',
  );
  const started = await svc.call('POST', '/v1/responses', {
    body: { level: 'IV', scope: { townships: ['341881100', '341881101'] }, notice: '宁防指〔2026〕12号', reason: '港口湾水库超汛限' },
  });
  expect(started.status).toBe(201);
  h = await openBrowser(svc);
}, 90_000);
afterAll(async () => {
  await h?.close();
  await svc?.close();
});

describe.skipIf(!browserAvailable)('the duty board on a storm night', () => {
  it('counts, sorts and lists who has not answered as the API does; labels never overlap', async () => {
    const page = await newPage(h.browser, 'desk');
    await signIn(page);
    const expected = await unansweredFromApi();
    expect(expected.length).toBeGreaterThanOrEqual(20);
    expect(await page.textContent('#strip a.big')).toBe(String(expected.length));
    expect((await rowKeys(page)).length).toBe(10); // the overview lists the ten nearest deadlines
    expect(await page.textContent('#unanswered h2')).toContain(`未应答（${expected.length}）`);
    // Townships by warning level in the strip, as the API has them.
    const ts = (await svc.call('GET', '/v1/townships')).body as any[];
    const counts = await page.$$eval('#strip .cell:first-child .count', (cs) => cs.map((c) => c.textContent!.trim()));
    expect(counts).toEqual(['I', 'II', 'III', 'IV'].map((l) => `${{ I: 'Ⅰ', II: 'Ⅱ', III: 'Ⅲ', IV: 'Ⅳ' }[l]}级 ${ts.filter((t) => t.level === l).length}`));
    expect(await page.getAttribute('#strip a.tel', 'href')).toBe('tel:05634012345');
    await page.goto(`${h.base}/board?view=unanswered`);
    expect(await rowKeys(page)).toEqual(expected);
    // Deadlines soonest first.
    const deadlines = await page.$$eval('#unanswered [data-deadline]', (els) => els.map((e) => Number(e.getAttribute('data-deadline'))));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    await page.goto(`${h.base}/board`);
    // The townships table: gravest first.
    const ranks = await page.$$eval('table.townships tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('.lv')].map((l) => /lv-(\w+)/.exec(l.className)![1]!)),
    );
    const grave = ranks.map((ls) => Math.max(...ls.map((l) => RANK[l]!)));
    expect(grave).toEqual([...grave].sort((a, b) => b - a));
    expect(grave[0]).toBe(4);
    // No two map labels overlap, nor does a label cover a township circle.
    const boxes = await page.$$eval('svg.map text.label', (els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    expect(boxes.length).toBe(15);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!, boxes[j]!), `labels ${i} and ${j}`).toBe(false);
    await screenshot(page, 'board', 'desk');
    await page.context().close();
  }, 120_000);

  it('keeps a note being typed, its focus and the scroll through live updates, focused or not', async () => {
    const page = await newPage(h.browser, 'desk');
    await signIn(page);
    await page.evaluate(() => ((window as any).marker = 7));
    const first = page.locator('#unanswered tr[data-key]').first();
    const firstKey = (await first.getAttribute('data-key'))!;
    const note = page.locator(`#unanswered tr[data-key="${firstKey}"] input[name=note]`);
    await note.scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 200);
    await note.fill('已拨打两次，无人接听');
    const scrollY = await page.evaluate(() => window.scrollY);
    const inputY = (await note.boundingBox())!.y;
    // Somebody further down the list answers (through the API): the board patches itself.
    const rows = await rowKeys(page);
    const [alertId, personId] = splitKey(rows.filter((k) => `u:${k}` !== firstKey).at(-1)!);
    await svc.call('POST', `/v1/alerts/${alertId}/ack`, { body: { onBehalfOf: personId, note: '本人回电' } });
    await expect.poll(() => page.locator(`#unanswered tr[data-key="u:${alertId}:${personId}"]`).count(), { timeout: 15_000 }).toBe(0);
    expect(await note.inputValue()).toBe('已拨打两次，无人接听');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('note');
    expect(await page.evaluate(() => window.scrollY)).toBe(scrollY);
    expect(Math.abs((await note.boundingBox())!.y - inputY)).toBeLessThan(2);
    // Not focused any more, still holding the text: the next update leaves it too.
    await page.locator('#strip .k').first().click();
    const [a2, p2] = splitKey((await rowKeys(page)).filter((k) => `u:${k}` !== firstKey).at(-1)!);
    await svc.call('POST', `/v1/alerts/${a2}/ack`, { body: { onBehalfOf: p2 } });
    await expect.poll(() => page.locator(`#unanswered tr[data-key="u:${a2}:${p2}"]`).count(), { timeout: 15_000 }).toBe(0);
    expect(await note.inputValue()).toBe('已拨打两次，无人接听');
    expect(await page.evaluate(() => (window as any).marker)).toBe(7); // never reloaded
    await page.context().close();
  }, 120_000);

  it('acknowledges on behalf and escalates now from the 未应答 view, in place', async () => {
    const page = await newPage(h.browser, 'desk');
    await signIn(page);
    await page.click('#filters a:has-text("未应答")');
    await page.waitForURL(/view=unanswered/);
    expect(await page.locator('#alerts').count()).toBe(0);
    await page.evaluate(() => ((window as any).marker = 9));
    const keys = await rowKeys(page);
    expect(keys).toEqual(await unansweredFromApi());

    // 代为确认 with the note of the call.
    const [ackAlert, ackPerson] = splitKey(keys[0]!);
    const row = page.locator(`#unanswered tr[data-key="u:${ackAlert}:${ackPerson}"]`);
    await row.locator('input[name=note]').fill('电话已叫应，正赶往指挥部');
    await row.locator('button:has-text("代为确认")').click();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    const acked = (await svc.call('GET', `/v1/alerts/${ackAlert}`)).body.recipients.find((r: any) => r.personId === ackPerson);
    expect(acked).toMatchObject({ ackVia: 'duty-room', onBehalfOf: 'p-duty-1', ackNote: '电话已叫应，正赶往指挥部' });

    // 立即升级: the next step runs now, and its message is in the drill outbox.
    const [escAlert, escPerson] = splitKey(keys[1]!);
    const before = (await svc.call('GET', `/v1/admin/outbox?personId=${escPerson}&limit=1000`)).body.length;
    await page.locator(`#unanswered tr[data-key="u:${escAlert}:${escPerson}"] button:has-text("立即升级")`).click();
    await expect
      .poll(async () => (await svc.call('GET', `/v1/alerts/${escAlert}`)).body.recipients.find((r: any) => r.personId === escPerson).escalations.length, {
        timeout: 15_000,
      })
      .toBe(1);
    const esc = (await svc.call('GET', `/v1/alerts/${escAlert}`)).body;
    expect(esc.recipients.find((r: any) => r.personId === escPerson).escalations[0]).toMatchObject({ kind: 'ack', step: 0, action: 'renotify' });
    expect(esc.timeline.at(-1)).toMatchObject({ type: 'ack-overdue', personId: escPerson, detail: { early: true, by: 'p-duty-1' } });
    const sent = await waitFor(
      async () => {
        const out = (await svc.call('GET', `/v1/admin/outbox?personId=${escPerson}&limit=1000`)).body as any[];
        return out.length > before ? out.find((m) => m.messageId.includes(':renotify:')) : null;
      },
      15_000,
      'the re-notification in the outbox',
    );
    expect(sent.alertId).toBe(escAlert);
    await expect.poll(() => page.textContent('#toast')).toContain('立即升级');
    // Still there (nobody answered), and the page was never reloaded.
    expect(await page.locator(`#unanswered tr[data-key="u:${escAlert}:${escPerson}"]`).count()).toBe(1);
    expect(await page.evaluate(() => (window as any).marker)).toBe(9);

    // The alert page tells the story: who acted for whom, by name, the step that ran and the next one.
    await page.goto(`${h.base}/board/alerts/${encodeURIComponent(escAlert)}`);
    const story = (await page.textContent('main'))!;
    expect(story).toMatch(/第1步 再次通知本人/);
    expect(story).toContain('值班员甲 立即升级');
    expect(story).toMatch(/下一步 .* 报值班员/);
    await page.goto(`${h.base}/board/alerts/${encodeURIComponent(ackAlert)}`);
    expect(await page.textContent('main')).toContain('值班室代为确认，值班员甲 代');
    await page.context().close();
  }, 120_000);

  it('filters by level and shows what has ended', async () => {
    const page = await newPage(h.browser, 'desk');
    await signIn(page);
    await page.click('#filters a:has-text("Ⅱ级")');
    await page.waitForURL(/level=II/);
    const levels = await page.$$eval('#unanswered td.what .lv', (els) => els.map((e) => e.className));
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.every((c) => c.includes('lv-II') && !c.includes('lv-III'))).toBe(true);
    const rows = await page.$$eval('table.townships tbody tr', (trs) => trs.map((tr) => tr.innerHTML));
    expect(rows.length).toBe(STORM.filter(([, l]) => l === 'II').length);
    // A warning resolved: it leaves the open view and shows under 已结束.
    const gone = (await svc.call('GET', '/v1/townships/341881004')).body.openAlertId;
    expect((await svc.call('POST', `/v1/alerts/${gone}/resolve`, { body: { reason: '雨停水退' } })).status).toBe(200);
    await page.goto(`${h.base}/board?view=ended`);
    expect(await page.textContent('#ended')).toContain('南山街道');
    expect(await page.textContent('#ended')).toContain('雨停水退');
    await page.goto(`${h.base}/board?view=open`);
    expect(await page.locator(`#alerts tr[data-key="a:${gone}"]`).count()).toBe(0);
    await page.context().close();
  }, 120_000);

  for (const size of ['phone', 'desk'] as SizeName[]) {
    it(`lays out the board, an alert and a station at ${size} width with no column under four characters`, async () => {
      const page = await newPage(h.browser, size);
      await signIn(page);
      const pages: Array<[string, string]> = [
        ['board', '/board'],
        ['board-unanswered', '/board?view=unanswered'],
        ['alert', `/board/alerts/${encodeURIComponent((await svc.call('GET', '/v1/townships/341881001')).body.openAlertId)}`],
        ['station', '/board/stations/62900101'],
      ];
      for (const [name, path] of pages) {
        await page.goto(`${h.base}${path}`);
        const narrowest = await narrowestColumn(page);
        expect(narrowest.chars, `${name} at ${size}: ${narrowest.where}`).toBeGreaterThanOrEqual(4);
        // Nothing wider than the screen.
        const wide = await page.evaluate(() =>
          [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
        );
        expect(wide, name).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(size === 'phone' ? 390 : 1440);
        if (size === 'phone') {
          const boxes = await page.$$eval('svg.map text.label', (els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!, boxes[j]!)).toBe(false);
        }
        if (name !== 'board' || size === 'phone') await screenshot(page, name, size);
        if (size === 'phone') await page.screenshot({ path: `test-artifacts/${name}-phone-first-screen.png` });
      }
      await page.context().close();
    }, 120_000);
  }
});

function splitKey(k: string): [string, string] {
  const i = k.lastIndexOf(':');
  return [k.slice(0, i), k.slice(i + 1)];
}

function overlap(a: DOMRect, b: DOMRect): boolean {
  return a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
}
