import { localParts } from '../domain/hydroDay.js';
import { vtimezone } from './vtimezone.js';

/**
 * RFC 5545 calendar of a person's shifts, for phone calendars to subscribe to. UIDs are the
 * shift ids (stable when a shift changes; SEQUENCE counts the changes), times in the city's
 * zone with a VTIMEZONE for whatever zone is configured (vtimezone.ts), CRLF line ends, lines
 * folded at 75 octets without splitting a character, TEXT values escaped.
 */
export interface IcsShift {
  id: string;
  start: number;
  end: number;
  role: 'shift-leader' | 'duty-officer';
  sequence: number;
  phone?: string;
  others: string[];
}

export function escapeText(s: string): string {
  // Every line break (CRLF, a bare CR or LF, U+2028/9) becomes \n; other control characters go.
  return s
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|[\r\n\u2028\u2029]/g, '\\n')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Folds a content line at 75 octets (UTF-8), continuation lines starting with a space. */
export function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74; // continuation lines carry the leading space
    if (bytes + n > limit) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

const two = (n: number) => String(n).padStart(2, '0');
function local(t: number, tz: string): string {
  const p = localParts(t, tz);
  return `${p.year}${two(p.month)}${two(p.day)}T${two(p.hour)}${two(p.minute)}${two(p.second)}`;
}
function utc(t: number): string {
  return new Date(t)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function dutyCalendar(personName: string, shifts: readonly IcsShift[], timeZone: string, now: number): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//fangxun//duty roster//ZH',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(`防汛值班 – ${personName}`)}`,
    `X-WR-TIMEZONE:${timeZone}`,
  ];
  const from = Math.min(now, ...shifts.map((s) => s.start));
  const to = Math.max(now, ...shifts.map((s) => s.end));
  lines.push(...vtimezone(timeZone, from, to));
  for (const s of shifts) {
    const role = s.role === 'shift-leader' ? '带班领导' : '值班员';
    const description = [`值班电话：${s.phone ?? '—'}`, s.others.length ? `同班：${s.others.join('、')}` : ''].filter(Boolean).join('\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:${s.id}@fangxun`,
      `SEQUENCE:${s.sequence}`,
      `DTSTAMP:${utc(now)}`,
      `DTSTART;TZID=${timeZone}:${local(s.start, timeZone)}`,
      `DTEND;TZID=${timeZone}:${local(s.end, timeZone)}`,
      `SUMMARY:${escapeText(`防汛值班（${role}）`)}`,
      `DESCRIPTION:${escapeText(description)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
