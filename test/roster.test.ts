import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startService, alertDataset, type TestService } from './helpers.js';
import { fold, escapeText } from '../src/roster/ics.js';
import { parseCsv, parseRosterDate } from '../src/roster/csv.js';

/** The duty roster: CSV import (UTF-8 and GB18030), duty now/range/gaps, swaps, calendar. */
const NOW = Date.parse('2026-06-30T12:00:00+08:00');
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ now: () => NOW });
  const data = alertDataset('http://hooks.test', NOW);
  data.shifts = [];
  data.people.push({ id: 'p-duty2', name: '值班员丁' }, { id: 'p-same1', name: '同名人' }, { id: 'p-same2', name: '同名人' });
  await svc.importData(data);
});
afterAll(() => svc.close());

const fixture = (name: string) => readFileSync(`test/fixtures/roster/${name}`);
async function upload(body: Buffer | string, query = '', contentType = 'text/csv') {
  const res = await svc.runtime.app.request(`/v1/admin/shifts/import?year=2026${query}`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-admin-token', 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('CSV parsing', () => {
  it('reads quotes, commas inside quotes and CRLF', () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n1,2,3\n')).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['1', '2', '3'],
    ]);
    expect(parseRosterDate('2026/7/2', 2025)).toBe('2026-07-02');
    expect(parseRosterDate('7月3日', 2026)).toBe('2026-07-03');
    expect(parseRosterDate('2026-02-30', 2026)).toBeNull();
  });
});

describe('POST /v1/admin/shifts/import', () => {
  it('shows what would change on a dry run, writing nothing', async () => {
    const res = await upload(fixture('month-utf8-bom.csv'), '&dryRun=1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, encoding: 'utf-8', created: 3, updated: 0, unchanged: 0 });
    expect((await svc.call('GET', '/v1/duty?from=2026-07-01&to=2026-07-05')).body).toEqual([]);
  });

  it('lists the gaps the import leaves in the month it covers', async () => {
    const res = await upload(fixture('month-utf8-bom.csv'), '&dryRun=1');
    // The file covers 1–3 July: the rest of July (to 1 August 08:00) has neither 带班领导 nor 值班员.
    expect(res.body.gaps).toEqual([{ from: '2026-07-04T00:00:00.000Z', to: '2026-08-01T00:00:00.000Z', missing: ['duty-officer', 'shift-leader'] }]);
  });

  it('imports a month saved as UTF-8 with BOM, shifts from 08:00 to 08:00', async () => {
    const res = await upload(fixture('month-utf8-bom.csv'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: false, created: 3 });
    const july1 = res.body.shifts[0];
    expect(july1).toMatchObject({
      id: 'duty-2026-07-01',
      start: '2026-07-01T08:00:00+08:00',
      end: '2026-07-02T08:00:00+08:00',
      leaderId: 'p-shift',
      officerIds: ['p-duty', 'p-duty2'],
      phone: '0563-4012345',
    });
    expect(res.body.shifts[1].officerIds).toEqual(['p-duty', 'p-duty2']); // "值班员乙,值班员丁" in quotes
    expect(res.body.shifts[2]).toMatchObject({ id: 'duty-2026-07-03', leaderId: 'p-cmd' });
  });

  it('reads the same month saved as GB18030, and re-importing changes nothing', async () => {
    const res = await upload(fixture('month-gb18030.csv'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ encoding: 'gb18030', created: 0, updated: 0, unchanged: 3 });
  });

  it('lists unknown and ambiguous names and bad dates with their rows, importing nothing', async () => {
    const res = await upload(fixture('problems.csv'));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('roster_rejected');
    expect(res.body.error.details).toEqual([
      { path: 'rows[2].值班员', row: 2, column: '值班员', message: 'unknown name "无名氏": no person has this name' },
      { path: 'rows[3].带班领导', row: 3, column: '带班领导', message: 'ambiguous name "同名人": 2 people have it (p-same1, p-same2)' },
      { path: 'rows[4].日期', row: 4, column: '日期', message: 'unreadable date "not-a-date" (use 2026-07-01, 2026/7/1 or 7月1日)' },
    ]);
    const missingColumn = await upload('日期,值班员\n2026-07-09,值班员乙\n');
    expect(missingColumn.status).toBe(422);
    expect(missingColumn.body.error.details[0].message).toMatch(/missing column 带班领导/);
    expect((await upload('x', '', 'application/json')).status).toBe(415);
  });

  it('takes a multipart upload from the board', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture('month-gb18030.csv')], { type: 'text/csv' }), '七月值班表.csv');
    const res = await svc.runtime.app.request('/v1/admin/shifts/import?year=2026&dryRun=1', {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token' },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).unchanged).toBe(3);
  });
});

describe('who is on duty', () => {
  it('lists shifts overlapping a range with names, and the gaps in the coming days', async () => {
    const list = (await svc.call('GET', '/v1/duty?from=2026-07-02&to=2026-07-03')).body;
    expect(list.map((s: any) => s.id)).toEqual(['duty-2026-07-01', 'duty-2026-07-02']);
    expect(list[0]).toMatchObject({
      leader: { id: 'p-shift', name: '带班领导丙' },
      officers: [
        { id: 'p-duty', name: '值班员乙' },
        { id: 'p-duty2', name: '值班员丁' },
      ],
    });
    expect((await svc.call('GET', '/v1/duty?from=2026-07-05&to=2026-07-01')).status).toBe(400);
    expect((await svc.call('GET', '/v1/duty?from=yesterday')).status).toBe(400);
    const now = (await svc.call('GET', '/v1/duty/now')).body;
    expect(now.current).toEqual([]);
    expect(now.next.id).toBe('duty-2026-07-01');
    const gaps = (await svc.call('GET', '/v1/duty/gaps?days=5')).body;
    // Now (06-30 12:00) until 07-01 08:00 and from 07-04 08:00 on: nobody.
    expect(gaps).toEqual([
      { from: new Date(NOW).toISOString(), to: '2026-07-01T00:00:00.000Z', missing: ['duty-officer', 'shift-leader'] },
      { from: '2026-07-04T00:00:00.000Z', to: new Date(NOW + 5 * 86_400_000).toISOString(), missing: ['duty-officer', 'shift-leader'] },
    ]);
  });
});

describe('swaps and the calendar', () => {
  it('swaps a person and keeps the history', async () => {
    const duty = await svc.token('duty', 'p-duty');
    const res = await svc.call('POST', '/v1/admin/shifts/duty-2026-07-02/swap', { token: duty, body: { from: 'p-duty2', to: 'p-head', reason: '调休' } });
    expect(res.status).toBe(200);
    expect(res.body.officerIds).toEqual(['p-duty', 'p-head']);
    expect((await svc.call('POST', '/v1/admin/shifts/duty-2026-07-02/swap', { body: { from: 'p-duty2', to: 'p-head' } })).status).toBe(422);
    expect((await svc.call('POST', '/v1/admin/shifts/nope/swap', { body: { from: 'a', to: 'p-head' } })).status).toBe(404);
    const leader = await svc.token('leader', 'p-lead');
    expect((await svc.call('POST', '/v1/admin/shifts/duty-2026-07-02/swap', { token: leader, body: { from: 'p-duty', to: 'p-head' } })).status).toBe(403);
    const history = (await svc.call('GET', '/v1/admin/shifts/duty-2026-07-02/history')).body;
    expect(history.map((h: any) => h.action)).toEqual(['shifts.swap', 'shifts.import']);
    expect(history[0]).toMatchObject({ actor: 'p-duty', before: { officerIds: ['p-duty', 'p-duty2'] }, after: { officerIds: ['p-duty', 'p-head'] } });
    // Both people are told.
    const notice = (await svc.call('GET', '/v1/notices?kind=shift-change')).body[0];
    expect(notice.personIds.sort()).toEqual(['p-duty2', 'p-head']);
    expect(notice.text).toBe('07月02日 08:00 至 07月03日 08:00 的值班员由值班员丁调整为西津街道主任（调休）。');
  });

  it('serves an RFC 5545 calendar whose UIDs survive a change, with the sequence counting it', async () => {
    const calendar = (await svc.call('POST', '/v1/admin/calendar-tokens', { body: { personId: 'p-head' } })).body.token as string;
    const res = await svc.runtime.app.request(`/v1/duty.ics?personId=p-head&token=${calendar}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await res.text();
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics).toContain('UID:duty-2026-07-02@fangxun\r\nSEQUENCE:1\r\n');
    expect(ics).toContain('DTSTART;TZID=Asia/Shanghai:20260702T080000\r\nDTEND;TZID=Asia/Shanghai:20260703T080000');
    expect(ics).toContain('SUMMARY:防汛值班（值班员）');
    expect(ics).toContain('BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai');
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(ics).not.toContain('duty-2026-07-01@'); // not on that shift
    expect((await svc.runtime.app.request('/v1/duty.ics?personId=p-head')).status).toBe(401);
    expect((await svc.runtime.app.request(`/v1/duty.ics?personId=p-duty&token=${calendar}`)).status).toBe(403);
  });

  it('folds long lines without splitting a character and escapes text', () => {
    const folded = fold(`DESCRIPTION:${'值班'.repeat(40)}`);
    for (const line of folded.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(folded.split('\r\n ').join('')).toBe(`DESCRIPTION:${'值班'.repeat(40)}`);
    expect(escapeText('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
  });
});

describe('exchanges', () => {
  it("exchanges two people's shifts (换班), both changes in the history, and changes nothing when one side does not fit", async () => {
    // 1 July: 值班员丁 (p-duty2) on duty; 2 July: 西津街道主任 (p-head) since the swap above.
    const refused = await svc.call('POST', '/v1/admin/shifts/duty-2026-07-01/swap', { body: { from: 'p-duty2', to: 'p-head', withShift: 'duty-2026-07-03' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('not_on_shift');
    expect((await svc.call('GET', '/v1/duty?from=2026-07-01&to=2026-07-02')).body[0].officerIds).toEqual(['p-duty', 'p-duty2']);
    const res = await svc.call('POST', '/v1/admin/shifts/duty-2026-07-01/swap', {
      body: { from: 'p-duty2', to: 'p-head', withShift: 'duty-2026-07-02', reason: '家中有事' },
    });
    expect(res.status).toBe(200);
    expect(res.body.officerIds).toEqual(['p-duty', 'p-head']);
    expect(res.body.exchanged).toMatchObject({ id: 'duty-2026-07-02', officerIds: ['p-duty', 'p-duty2'] });
    for (const id of ['duty-2026-07-01', 'duty-2026-07-02'])
      expect((await svc.call('GET', `/v1/admin/shifts/${id}/history`)).body[0].action).toBe('shifts.swap');
    const notice = (await svc.call('GET', '/v1/notices?kind=shift-change')).body.find((n: any) => n.text.includes('互换班次')); // one clock: order by time cannot tell
    expect(notice.text).toBe('07月01日 08:00 至 07月02日 08:00 的值班员值班员丁与 07月02日 08:00 至 07月03日 08:00 的值班员西津街道主任互换班次（家中有事）。');
    expect(notice.personIds.sort()).toEqual(['p-duty2', 'p-head']);
  });
});
