/**
 * The office's monthly roster (值班表) as CSV: bytes → text → rows → shifts. Spreadsheet
 * programs here save UTF-8 (with or without BOM) or GB18030; both are read. Pure functions.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'gb18030' } {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('gb18030').decode(body), encoding: 'gb18030' };
  }
}

/** RFC 4180: quoted fields, "" inside quotes, commas and line breaks inside quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface RosterPerson {
  id: string;
  name: string;
}

export interface RosterShift {
  id: string;
  start: string;
  end: string;
  leaderId: string;
  officerIds: string[];
  phone?: string;
  row: number;
}

export interface RosterProblem {
  row: number;
  column?: string;
  /** English, for the API's error details. */
  message: string;
  /** Chinese, for the people who made the spreadsheet (the board's row-by-row dry run). */
  text: string;
}

const HEADERS = { date: ['日期', '值班日期'], leader: ['带班领导', '带班'], officers: ['值班员', '值班人员', '值班人'], phone: ['值班电话', '电话'] } as const;

/** Local date → `YYYY-MM-DD`, from 2026-07-01, 2026/7/1, 2026年7月1日 or 7月1日 (with `year`). */
export function parseRosterDate(raw: string, year: number): string | null {
  const s = raw.trim();
  const full = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  const short = full ? null : /^(\d{1,2})[月/-](\d{1,2})日?$/.exec(s);
  let y = year;
  let mo: number;
  let d: number;
  if (full) {
    y = Number(full[1]);
    mo = Number(full[2]);
    d = Number(full[3]);
  } else if (short) {
    mo = Number(short[1]);
    d = Number(short[2]);
  } else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** `2026-07-01` at `hour`:00 in a fixed-offset zone, as ISO with the offset. */
function at(date: string, hour: number, offsetMinutes: number): string {
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${date}T${String(hour).padStart(2, '0')}:00:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Rows of the roster → shifts from each date's boundary hour to the next day's. Every name
 * must match exactly one person; every problem is reported with its row (the header is row 1).
 */
export function rosterShifts(
  rows: string[][],
  people: readonly RosterPerson[],
  opts: { startHour: number; offsetMinutes: number; year: number },
): { shifts: RosterShift[]; problems: RosterProblem[] } {
  const problems: RosterProblem[] = [];
  const header = (rows[0] ?? []).map((h) => h.replace(/^\uFEFF/, '').replace(/\s+/g, ''));
  const col = (names: readonly string[]) => header.findIndex((h) => names.includes(h));
  const idx = { date: col(HEADERS.date), leader: col(HEADERS.leader), officers: col(HEADERS.officers), phone: col(HEADERS.phone) };
  for (const [k, i] of Object.entries(idx)) {
    if (i < 0 && k !== 'phone')
      problems.push({
        row: 1,
        column: k,
        message: `missing column ${HEADERS[k as keyof typeof HEADERS][0]} (the header row needs 日期, 带班领导, 值班员, 值班电话)`,
        text: `缺少“${HEADERS[k as keyof typeof HEADERS][0]}”列（第一行应为：日期, 带班领导, 值班员, 值班电话）`,
      });
  }
  if (problems.length) return { shifts: [], problems };
  const byName = new Map<string, RosterPerson[]>();
  for (const p of people) byName.set(p.name.trim(), [...(byName.get(p.name.trim()) ?? []), p]);
  const who = (name: string, row: number, column: string): string | null => {
    const found = byName.get(name.trim()) ?? [];
    if (found.length === 1) return found[0]!.id;
    problems.push(
      found.length === 0
        ? { row, column, message: `unknown name "${name}": no person has this name`, text: `${column}“${name}”不在人员名单中，请核对姓名或先录入该人员` }
        : {
            row,
            column,
            message: `ambiguous name "${name}": ${found.length} people have it (${found.map((p) => p.id).join(', ')})`,
            text: `${column}“${name}”有${found.length}人同名，无法确定是谁，请在人员名单中区分姓名`,
          },
    );
    return null;
  };
  const shifts: RosterShift[] = [];
  const seen = new Map<string, number>();
  rows.slice(1).forEach((cells, i) => {
    const row = i + 2;
    if (cells.every((c) => c.trim() === '')) return;
    const date = parseRosterDate(cells[idx.date] ?? '', opts.year);
    if (!date) {
      problems.push({
        row,
        column: '日期',
        message: `unreadable date "${cells[idx.date] ?? ''}" (use 2026-07-01, 2026/7/1 or 7月1日)`,
        text: `日期“${cells[idx.date] ?? ''}”无法识别，请写成 2026-07-01、2026/7/1 或 7月1日`,
      });
      return;
    }
    if (seen.has(date))
      problems.push({ row, column: '日期', message: `${date} is already on row ${seen.get(date)}`, text: `${date} 与第${seen.get(date)}行重复` });
    seen.set(date, row);
    const leaderName = (cells[idx.leader] ?? '').trim();
    const officerNames = (cells[idx.officers] ?? '')
      .split(/[、,，;；/\s]+/)
      .map((n) => n.trim())
      .filter(Boolean);
    if (!leaderName) problems.push({ row, column: '带班领导', message: 'no shift leader (带班领导)', text: '未填写带班领导' });
    if (officerNames.length === 0) problems.push({ row, column: '值班员', message: 'no duty officer (值班员)', text: '未填写值班员' });
    const leaderId = leaderName ? who(leaderName, row, '带班领导') : null;
    const officerIds = officerNames.map((n) => who(n, row, '值班员'));
    const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const phone = idx.phone >= 0 ? (cells[idx.phone] ?? '').trim() : '';
    if (leaderId && officerIds.length && officerIds.every((x): x is string => x !== null)) {
      shifts.push({
        id: `duty-${date}`,
        start: at(date, opts.startHour, opts.offsetMinutes),
        end: at(next, opts.startHour, opts.offsetMinutes),
        leaderId,
        officerIds,
        ...(phone ? { phone } : {}),
        row,
      });
    }
  });
  return { shifts, problems };
}
