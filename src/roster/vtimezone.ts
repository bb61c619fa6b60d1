import { localParts, zoneOffset } from '../domain/hydroDay.js';

/**
 * An RFC 5545 VTIMEZONE for any IANA zone, built from the runtime's own zone data (Intl), so
 * a calendar in Europe/Berlin or America/New_York carries its real daylight-saving rules and
 * not only Asia/Shanghai's fixed +08:00. It lists every offset change between `from` and
 * `to` as an observance with an explicit DTSTART (no RRULE to get wrong), which is what
 * RFC 5545 §3.6.5 asks: enough definitions to resolve every local time the calendar uses.
 */
const DAY = 86_400_000;
const QUARTER = 15 * 60_000;

interface Transition {
  at: number;
  from: number;
  to: number;
}

/** Offset changes of the zone in [from, to], each found to the quarter-hour. */
export function zoneTransitions(timeZone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  let t = from;
  let off = zoneOffset(t, timeZone);
  while (t < to) {
    const next = Math.min(t + DAY, to);
    const nextOff = zoneOffset(next, timeZone);
    if (nextOff !== off) {
      // The change lies in (t, next]: narrow it to the quarter-hour where it takes effect.
      let lo = Math.floor(t / QUARTER);
      let hi = Math.floor(next / QUARTER);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zoneOffset(mid * QUARTER, timeZone) === off) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi * QUARTER, from: off, to: nextOff });
      off = nextOff;
    }
    t = next;
  }
  return out;
}

const two = (n: number) => String(n).padStart(2, '0');

function utcOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const s = Math.abs(ms) / 1000;
  const base = `${sign}${two(Math.floor(s / 3600))}${two(Math.floor((s % 3600) / 60))}`;
  return s % 60 ? `${base}${two(s % 60)}` : base;
}

/** Wall-clock time of instant t at a fixed offset, as an RFC 5545 local DATE-TIME. */
function wallTime(t: number, offset: number): string {
  const d = new Date(t + offset);
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}T${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

/** VTIMEZONE lines for `timeZone`, valid for every instant in [from, to]. */
export function vtimezone(timeZone: string, from: number, to: number): string[] {
  const start = from - DAY;
  const first = zoneOffset(start, timeZone);
  const transitions = zoneTransitions(timeZone, start, to + DAY);
  // The first observance: the offset in force at the start of the range.
  const startParts = localParts(start, timeZone);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  const observance = (kind: 'STANDARD' | 'DAYLIGHT', dtstart: string, fromOff: number, toOff: number) =>
    lines.push(`BEGIN:${kind}`, `DTSTART:${dtstart}`, `TZOFFSETFROM:${utcOffset(fromOff)}`, `TZOFFSETTO:${utcOffset(toOff)}`, `END:${kind}`);
  const isDaylight = (off: number) => transitions.some((x) => Math.min(x.from, x.to) < off);
  observance(isDaylight(first) ? 'DAYLIGHT' : 'STANDARD', `${startParts.year}${two(startParts.month)}${two(startParts.day)}T000000`, first, first);
  for (const x of transitions) observance(x.to > x.from ? 'DAYLIGHT' : 'STANDARD', wallTime(x.at, x.from), x.from, x.to);
  lines.push('END:VTIMEZONE');
  return lines;
}
