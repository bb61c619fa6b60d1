import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { startService, alertDataset, type TestService } from './helpers.js';

/** The board's small things: badge contrast (WCAG AA), 已确认 vs 已到岗, countdowns, favicon, Chinese only. */
const css = (file: string) => readFileSync(new URL(`../src/ui/assets/${file}`, import.meta.url), 'utf8');

/** `selector → { property: value }` of a flat stylesheet, `var(--x)` resolved from :root. */
function rules(sheet: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const [, selectors, body] of sheet.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^}]*)\}/g)) {
    const decls = Object.fromEntries(
      body!
        .split(';')
        .map((d) => d.split(':').map((x) => x.trim()))
        .filter((d) => d.length === 2 && d[0]) as Array<[string, string]>,
    );
    for (const sel of selectors!.split(',').map((s) => s.trim())) out.set(sel, { ...out.get(sel), ...decls });
  }
  const root = out.get(':root') ?? {};
  for (const decls of out.values()) for (const k of Object.keys(decls)) decls[k] = decls[k]!.replace(/var\((--[\w-]+)\)/g, (_, v: string) => root[v] ?? v);
  return out;
}

/** WCAG 2.x contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const full = hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join('')}` : hex;
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('level badges', () => {
  it('meet WCAG AA (4.5:1) for their text on the board and on the answer page', () => {
    const board = rules(css('board.css'));
    const answer = rules(css('answer.css'));
    for (const level of ['IV', 'III', 'II', 'I']) {
      const b = board.get(`.lv-${level}`)!;
      const onBoard = contrast(b.background!, b.color ?? board.get('.lv')!.color!);
      expect(onBoard, `board ${level}`).toBeGreaterThanOrEqual(4.5);
      const a = answer.get(`.${level}`)!;
      expect(contrast(a.background!, a.color ?? answer.get('.lv')!.color!), `answer page ${level}`).toBeGreaterThanOrEqual(4.5);
    }
    // The check itself can fail: the old Ⅱ badge (white on #e8710a) was 3.1:1.
    expect(contrast('#e8710a', '#fff')).toBeLessThan(4.5);
  });

  it('tell 已确认 from 已到岗 by colour and mark, each readable on the panel', () => {
    const board = rules(css('board.css'));
    const panel = board.get(':root')!['--panel']!;
    const acked = board.get('.state-acked')!;
    const arrived = board.get('.state-arrived')!;
    expect(acked.color).not.toBe(arrived.color);
    expect(board.get('.state-acked::before')!.content).not.toBe(board.get('.state-arrived::before')!.content);
    for (const s of [acked, arrived, board.get('.state-overdue')!, board.get('.state-notified')!])
      expect(contrast(s.color!, panel)).toBeGreaterThanOrEqual(4.5);
  });
});

describe('countdowns', () => {
  it('show hours and minutes over an hour (1小时44分), minutes and seconds under it', () => {
    const now = Date.parse('2026-07-05T09:00:00+08:00');
    const cells = [now + (1 * 3600 + 44 * 60 + 10) * 1000, now + 125_000, now + 7_200_000, now - 3_700_000].map((d) => {
      const el = { className: '', textContent: '', getAttribute: () => String(d) };
      return el;
    });
    const document = { getElementById: () => null, querySelectorAll: () => cells };
    runInNewContext(css('board.js'), { document, window: {}, Date: { now: () => now }, setInterval: () => 0, location: { pathname: '/board' } });
    expect(cells.map((c) => c.textContent)).toEqual(['剩余 1小时44分', '剩余 2分5秒', '剩余 2小时', '已超时 1小时1分']);
    expect(cells[3]!.className).toBe('state-overdue');
  });
});

describe('pages', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService();
    await svc.importData(alertDataset('http://hooks.test'));
  });
  afterAll(() => svc.close());

  it('have a favicon', async () => {
    const icon = await svc.runtime.app.request('/board/assets/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const board = await (await svc.runtime.app.request('/board', { headers: { authorization: 'Bearer test-admin-token' } })).text();
    expect(board).toContain('<link rel="icon" href="/board/assets/favicon.svg" type="image/svg+xml"/>');
    expect(readFileSync(new URL('../src/ui/answerPage.ts', import.meta.url), 'utf8')).toContain('href="/board/assets/favicon.svg"');
  });

  it('name the person signed in and their role in Chinese, with no English on the board', async () => {
    const duty = await svc.token('duty', 'p-duty');
    const html = await (await svc.runtime.app.request('/board', { headers: { authorization: `Bearer ${duty}` } })).text();
    expect(html).toContain('值班员乙（值班人员）');
    const admin = await (await svc.runtime.app.request('/board', { headers: { authorization: 'Bearer test-admin-token' } })).text();
    expect(admin).toContain('（管理员）');
    // Visible text only: no word of three or more Latin letters (ids such as R1 or W1 are shorter).
    const visible = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<[^>]+>/g, ' ');
    expect(visible.match(/[A-Za-z]{3,}/g) ?? []).toEqual([]);
    expect((await svc.runtime.app.request('/board/fragment')).status).toBe(401);
    expect(await (await svc.runtime.app.request('/board/fragment')).text()).toBe('请先登录\n');
  });
});
