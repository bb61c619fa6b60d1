import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { ReferenceSnapshot, ReferenceStore } from '../reference/store.js';
import type { Shift } from '../reference/schema.js';
import type { NoticeService } from '../notices/service.js';
import { RecordStore } from '../reference/records.js';
import { auditArgs, readAudit, type AuditEntry } from '../store/audit.js';
import { AppError } from '../domain/errors.js';
import type { CredentialStore } from '../auth/credentials.js';
import { zoneOffset } from '../domain/hydroDay.js';
import { localTimeText } from '../domain/wording.js';
import { decodeText, parseCsv, rosterShifts, type RosterProblem } from './csv.js';
import { findGaps, type Gap } from './gaps.js';
import { dutyCalendar } from './ics.js';

/**
 * The duty roster (值班表) as a service: the monthly CSV import (dry run or commit, with the
 * gaps it leaves), swaps with their history, and a person's calendar. HTTP routes and board
 * pages call these; only this module touches the roster's Redis records.
 */
export class RosterError extends AppError<
  'roster_rejected' | 'not_found' | 'unknown_person' | 'not_on_shift' | 'already_on_shift' | 'version_mismatch' | 'already_exists'
> {}

export type ShiftChange = 'created' | 'updated' | 'unchanged';
export interface ImportRow {
  row: number;
  /** The row's cells as written. */
  cells: string[];
  shift: Shift | null;
  change: ShiftChange | null;
  problems: RosterProblem[];
}
export interface ImportOutcome {
  dryRun: boolean;
  encoding: string;
  counts: Record<ShiftChange, number>;
  shifts: Array<{ record: Shift; change: ShiftChange }>;
  /** Every data row of the file with its shift or its problems (for the board's row-by-row view). */
  rows: ImportRow[];
  problems: RosterProblem[];
  /** Moments of the months the file covers without a 带班领导 or 值班员, once the import is in. */
  gaps: Gap[];
}

export class RosterService {
  private readonly records: RecordStore;

  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      reference: ReferenceStore;
      notices: NoticeService;
      credentials: CredentialStore;
      publicUrl: string;
      timezone: string;
      dayStartHour: number;
      now: () => number;
    },
  ) {
    this.records = new RecordStore(d.redis, d.keys, d.reference, d.now);
  }

  private name(ref: ReferenceSnapshot) {
    return (pid: string) => ref.people.get(pid)?.name ?? pid;
  }

  /**
   * Reads a 值班表 CSV and, unless `dryRun`, writes its shifts (all or nothing) and tells the
   * people of changed shifts. Problems never throw here: the caller decides (the API refuses
   * with 422, the board shows them row by row).
   */
  async importCsv(
    bytes: Uint8Array,
    opts: { dryRun: boolean; startHour?: number; year?: number },
    audit: { actor: string; role: string; requestId?: string },
  ): Promise<ImportOutcome> {
    const startHour = opts.startHour ?? this.d.dayStartHour;
    const year = opts.year ?? new Date(this.d.now()).getUTCFullYear();
    const { text, encoding } = decodeText(bytes);
    const ref = await this.d.reference.snapshot({ fresh: true });
    const table = parseCsv(text);
    const parsed = rosterShifts(table, [...ref.people.values()], { startHour, offsetMinutes: zoneOffset(this.d.now(), this.d.timezone) / 60_000, year });
    const changes = parsed.shifts.map((s) => {
      const before = ref.shifts.find((x) => x.id === s.id);
      const { row: _row, ...record } = s;
      const same =
        before &&
        before.start === s.start &&
        before.end === s.end &&
        before.leaderId === s.leaderId &&
        before.officerIds.join() === s.officerIds.join() &&
        (before.phone ?? '') === (s.phone ?? '');
      const change: ShiftChange = !before ? 'created' : same ? 'unchanged' : 'updated';
      return { record: record as Shift, change, before, row: s.row };
    });
    const counts = { created: 0, updated: 0, unchanged: 0 };
    for (const x of changes) counts[x.change]++;
    const rows = rowsOf(parsed.problems, changes, table);
    const after = [...ref.shifts.filter((s) => !changes.some((x) => x.record.id === s.id)), ...changes.map((x) => x.record)];
    const outcome: ImportOutcome = {
      dryRun: opts.dryRun,
      encoding,
      counts,
      shifts: changes.map(({ record, change }) => ({ record, change })),
      rows,
      problems: parsed.problems,
      gaps: gapsOfMonths(
        after,
        changes.map((x) => x.record),
      ),
    };
    if (opts.dryRun || parsed.problems.length > 0 || changes.length === 0) return outcome;
    const result = await this.d.reference.importDataset(
      { shifts: changes.filter((x) => x.change !== 'unchanged').map((x) => x.record) },
      { ...audit, action: 'shifts.import' },
    );
    if (!result.ok) throw new RosterError('roster_rejected', `Nothing was imported: ${result.issues[0]?.path}: ${result.issues[0]?.message}`, result.issues);
    // Changed shifts are told to everyone on them before and after.
    const name = this.name(ref);
    const people = (s: Pick<Shift, 'leaderId' | 'officerIds'>) => [s.leaderId, ...s.officerIds];
    for (const x of changes.filter((y) => y.change === 'updated' && y.before)) {
      await this.d.notices.send({
        kind: 'shift-change',
        key: `shift-change:${x.record.id}:${audit.requestId ?? this.d.now()}`,
        title: '【值班调整】',
        text: `${this.span(x.record)} 的值班已调整：带班领导${name(x.record.leaderId)}，值班员${x.record.officerIds.map(name).join('、')}。`,
        personIds: [...new Set([...people(x.before!), ...people(x.record)])],
      });
    }
    return outcome;
  }

  private span(s: Pick<Shift, 'start' | 'end'>): string {
    return `${localTimeText(Date.parse(s.start), this.d.timezone)} 至 ${localTimeText(Date.parse(s.end), this.d.timezone)}`;
  }

  /**
   * `from` hands their place on the shift to `to`; with `withShift`, the two exchange shifts
   * (换班): `to` takes `from`'s place here and `from` takes `to`'s place on `withShift`. Both
   * writes are compare-and-set on the shifts' versions; when the second one loses a race the
   * first is put back. Audited, and both people are told.
   */
  async swap(
    id: string,
    body: { from: string; to: string; reason?: string; withShift?: string },
    audit: { actor: string; role: string; requestId?: string },
  ): Promise<{ shift: Shift; version: number; exchanged: { shift: Shift; version: number } | null }> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    if (!ref.people.has(body.to)) throw new RosterError('unknown_person', `No person "${body.to}"`);
    const here = await this.loadForSwap(id, body.from, body.to);
    const there = body.withShift ? await this.loadForSwap(body.withShift, body.to, body.from) : null;
    if (there && there.shift.id === here.shift.id) throw new RosterError('already_on_shift', 'withShift must be another shift than the one swapped');
    const out = await this.records.write('shifts', id, here.updated, here.version, { ...audit, action: 'shifts.swap', before: here.shift });
    if (!out.ok) throw new RosterError(out.code, out.message);
    let exchanged: { shift: Shift; version: number } | null = null;
    if (there) {
      const second = await this.records.write('shifts', there.shift.id, there.updated, there.version, { ...audit, action: 'shifts.swap', before: there.shift });
      if (!second.ok) {
        await this.records.write('shifts', id, here.shift, out.version, { ...audit, action: 'shifts.swap-undone', before: here.updated });
        throw new RosterError(second.code, second.message);
      }
      exchanged = { shift: there.updated, version: second.version };
    }
    const name = this.name(ref);
    const why = body.reason ? `（${body.reason}）` : '';
    const text = there
      ? `${this.span(here.shift)} 的${here.role}${name(body.from)}与 ${this.span(there.shift)} 的${there.role}${name(body.to)}互换班次${why}。`
      : `${this.span(here.shift)} 的${here.role}由${name(body.from)}调整为${name(body.to)}${why}。`;
    await this.d.notices.send({ kind: 'shift-change', key: `shift-change:${id}:${out.version}`, title: '【值班调整】', text, personIds: [body.from, body.to] });
    return { shift: here.updated, version: out.version, exchanged };
  }

  /** A shift, with `leaving` replaced by `coming` (leader or officer), checked. */
  private async loadForSwap(id: string, leaving: string, coming: string): Promise<{ shift: Shift; updated: Shift; version: number; role: string }> {
    const stored = await this.records.get('shifts', id);
    if (!stored) throw new RosterError('not_found', `No shift "${id}"`);
    const shift = stored.record as Shift;
    let updated: Shift;
    if (shift.leaderId === leaving) updated = { ...shift, leaderId: coming };
    else if (shift.officerIds.includes(leaving)) updated = { ...shift, officerIds: shift.officerIds.map((o) => (o === leaving ? coming : o)) };
    else throw new RosterError('not_on_shift', `${leaving} is not on shift ${id} (leader ${shift.leaderId}, officers ${shift.officerIds.join(', ')})`);
    if (new Set([updated.leaderId, ...updated.officerIds]).size !== 1 + updated.officerIds.length) {
      throw new RosterError('already_on_shift', `${coming} is already on shift ${id}`);
    }
    return { shift, updated, version: stored.version, role: shift.leaderId === leaving ? '带班领导' : '值班员' };
  }

  /** Every change of a shift, newest first. */
  history(id: string): Promise<Array<AuditEntry & { id: string }>> {
    return readAudit(this.d.redis, this.d.keys, { limit: 500, target: `shifts/${id}` });
  }

  /** A new calendar token for the person (audited) and the address their phone calendar subscribes to. */
  async calendarLink(personId: string, audit: { actor: string; role: string; requestId?: string }): Promise<string> {
    const { id, token, record } = await this.d.credentials.createToken('calendar', personId, '值班表页面');
    await this.d.redis.xadd(
      ...auditArgs(this.d.keys, {
        at: new Date(this.d.now()).toISOString(),
        ...audit,
        action: 'calendar-tokens.create',
        target: `tokens/${id}`,
        before: null,
        after: record,
      }),
    );
    return `${this.d.publicUrl.replace(/\/$/, '')}/v1/duty.ics?token=${encodeURIComponent(token)}`;
  }

  /** A person's shifts as RFC 5545 text, or null when there is no such person. */
  async calendar(personId: string): Promise<string | null> {
    const ref = await this.d.reference.snapshot();
    const person = ref.people.get(personId);
    if (!person) return null;
    const mine = ref.shifts.filter((s) => s.leaderId === personId || s.officerIds.includes(personId));
    const versions = await Promise.all(mine.map((s) => this.records.get('shifts', s.id)));
    const name = this.name(ref);
    return dutyCalendar(
      person.name,
      mine.map((s, i) => ({
        id: s.id,
        start: Date.parse(s.start),
        end: Date.parse(s.end),
        role: s.leaderId === personId ? 'shift-leader' : 'duty-officer',
        sequence: Math.max(0, (versions[i]?.version ?? 1) - 1),
        phone: s.phone,
        others: [s.leaderId, ...s.officerIds].filter((x) => x !== personId).map(name),
      })),
      this.d.timezone,
      this.d.now(),
    );
  }
}

function rowsOf(problems: RosterProblem[], changes: Array<{ record: Shift; change: ShiftChange; row: number }>, table: string[][]): ImportRow[] {
  const byRow = new Map<number, ImportRow>();
  const at = (row: number) => byRow.get(row) ?? byRow.set(row, { row, cells: table[row - 1] ?? [], shift: null, change: null, problems: [] }).get(row)!;
  for (const c of changes) Object.assign(at(c.row), { shift: c.record, change: c.change });
  for (const p of problems) at(p.row).problems.push(p);
  return [...byRow.values()].sort((a, b) => a.row - b.row);
}

/** The gaps left in the whole months the imported shifts fall in (a month's roster should cover it). */
function gapsOfMonths(all: readonly Shift[], imported: readonly Shift[]): Gap[] {
  if (imported.length === 0) return [];
  const starts = imported.map((s) => Date.parse(s.start));
  const first = imported[starts.indexOf(Math.min(...starts))]!.start;
  const last = imported[starts.indexOf(Math.max(...starts))]!.start;
  // The boundary hour and offset of the file's own shifts: `2026-07-01T08:00:00+08:00` → the 1st of that month at that time.
  const monthStart = (iso: string, plus: number) => {
    const [y, m] = [Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) + plus];
    const date = new Date(Date.UTC(y, m - 1, 1)).toISOString().slice(0, 10);
    return Date.parse(`${date}${iso.slice(10)}`);
  };
  return findGaps(all, monthStart(first, 0), monthStart(last, 1));
}
