import type { ArrivalCheck, LedgerEntry } from '../domain/alerts/index.js';
import { localParts } from '../domain/hydroDay.js';
import { LEVEL_LABEL, type Level } from '../domain/levels.js';
import { arrivalDoubts, ROLE_WORDS } from '../domain/wording.js';

/**
 * The accountability ledger (问责台账): every missed or late answer and arrival, and per
 * person the time they take to answer. Pure functions over ledger entries.
 */
export interface PersonSummary {
  personId: string;
  name: string;
  acks: number;
  medianAckSeconds: number | null;
  p90AckSeconds: number | null;
  missedAcks: number;
  lateAcks: number;
  missedArrivals: number;
  lateArrivals: number;
  /** Arrivals flagged as doubtful (far, no location, several posts). */
  doubtfulArrivals: number;
}

export interface AccountabilityReport {
  from: string | null;
  to: string | null;
  entries: Array<{
    type: LedgerEntry['type'];
    alertId: string;
    townshipId: string;
    township: string;
    personId: string;
    name: string;
    role: string;
    level: string | null;
    notifiedAt: string | null;
    deadline: string | null;
    actual: string | null;
    lateSeconds: number | null;
    /** How a late answer came (voice, sms-reply, link…), null for misses. */
    ackVia: string | null;
    /** An arrival that is doubtful (far, no location, several posts), else null. */
    arrival: ArrivalCheck | null;
  }>;
  people: PersonSummary[];
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function accountabilityReport(
  ledger: readonly LedgerEntry[],
  range: { from?: number; to?: number },
  personName: (id: string) => string,
  townshipName: (id: string) => string,
): AccountabilityReport {
  const inRange = ledger.filter((e) => (range.from === undefined || e.at >= range.from) && (range.to === undefined || e.at <= range.to));
  // Misses and late ones, and arrivals that do not mean what they say (far, no location, several posts).
  const misses = inRange.filter((e) => (e.type !== 'ack' && e.type !== 'arrive') || e.arrival?.flagged);
  const people = new Map<string, { ackTimes: number[]; s: PersonSummary }>();
  for (const e of inRange) {
    let p = people.get(e.personId);
    if (!p) {
      p = {
        ackTimes: [],
        s: {
          personId: e.personId,
          name: personName(e.personId),
          acks: 0,
          medianAckSeconds: null,
          p90AckSeconds: null,
          missedAcks: 0,
          lateAcks: 0,
          missedArrivals: 0,
          lateArrivals: 0,
          doubtfulArrivals: 0,
        },
      };
      people.set(e.personId, p);
    }
    if ((e.type === 'ack' || e.type === 'ack-late') && e.actual !== null && e.notifiedAt !== null) {
      p.s.acks++;
      p.ackTimes.push(Math.round((e.actual - e.notifiedAt) / 1000));
    }
    if (e.type === 'ack-missed') p.s.missedAcks++;
    if (e.type === 'ack-late') p.s.lateAcks++;
    if (e.type === 'arrive-missed') p.s.missedArrivals++;
    if (e.type === 'arrive-late') p.s.lateArrivals++;
    if (e.arrival?.flagged) p.s.doubtfulArrivals++;
  }
  for (const p of people.values()) {
    const sorted = p.ackTimes.sort((a, b) => a - b);
    p.s.medianAckSeconds = percentile(sorted, 50);
    p.s.p90AckSeconds = percentile(sorted, 90);
  }
  return {
    from: range.from !== undefined ? iso(range.from) : null,
    to: range.to !== undefined ? iso(range.to) : null,
    entries: misses.map((e) => ({
      type: e.type,
      alertId: e.alertId,
      townshipId: e.townshipId,
      township: townshipName(e.townshipId),
      personId: e.personId,
      name: personName(e.personId),
      role: e.role,
      level: e.level,
      notifiedAt: iso(e.notifiedAt),
      deadline: iso(e.deadline),
      actual: iso(e.actual),
      lateSeconds: e.actual !== null && e.deadline !== null ? Math.round((e.actual - e.deadline) / 1000) : null,
      ackVia: e.ackVia ?? null,
      arrival: e.arrival?.flagged ? e.arrival : null,
    })),
    people: [...people.values()]
      .map((p) => p.s)
      .sort((a, b) => b.missedAcks + b.lateAcks - (a.missedAcks + a.lateAcks) || a.personId.localeCompare(b.personId)),
  };
}

const csvCell = (v: unknown) => {
  let s = v === null || v === undefined ? '' : String(v);
  // A cell a spreadsheet would run as a formula (=, +, -, @, or a tab/CR before one) is kept as text.
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The ledger's codes as the duty room writes them (问责台账). */
export const LEDGER_WORDS: Record<LedgerEntry['type'], string> = {
  ack: '确认',
  'ack-late': '超时确认',
  'ack-missed': '未确认',
  arrive: '到岗',
  'arrive-late': '超时到岗',
  'arrive-missed': '未到岗',
};

/** `2026-07-05 09:30:00` in the configured zone (北京时间), or empty. */
function localDateTime(iso: string | null, timeZone: string): string {
  if (iso === null) return '';
  const p = localParts(Date.parse(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/**
 * The ledger entries as CSV for a spreadsheet (UTF-8 with BOM, so it shows the Chinese): Chinese
 * column labels and codes, times in the configured zone (北京时间), formula-like cells as text.
 */
export function reportCsv(r: AccountabilityReport, timeZone: string, townshipName: (id: string) => string = (id) => id): string {
  const header = [
    '类型',
    '叫应编号',
    '乡镇（街道）',
    '姓名',
    '人员编号',
    '角色',
    '级别',
    '通知时间（北京时间）',
    '时限（北京时间）',
    '实际时间（北京时间）',
    '超时（秒）',
    '到岗核查',
  ];
  const rows = r.entries.map((e) => [
    LEDGER_WORDS[e.type] ?? e.type,
    e.alertId,
    e.township,
    e.name,
    e.personId,
    ROLE_WORDS[e.role] ?? e.role,
    e.level ? (LEVEL_LABEL[e.level as Level]?.numeral ?? e.level) : '',
    localDateTime(e.notifiedAt, timeZone),
    localDateTime(e.deadline, timeZone),
    localDateTime(e.actual, timeZone),
    e.lateSeconds,
    arrivalDoubts(e.arrival ?? undefined, townshipName).join('；'),
  ]);
  return '\uFEFF' + [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
