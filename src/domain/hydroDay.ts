/**
 * Calendar arithmetic in the city's zone. The hydrological day (水文日) runs from
 * `dayStartHour` (08:00 by default) to the same hour the next day; 日雨量 reported at
 * 08:00 covers the 24 h before. A reading observed exactly at 08:00 closes the previous
 * day, so a day is the half-open interval (start, start + 24 h].
 *
 * Instants are epoch milliseconds (UTC). No clock is read here.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function partsFromFormatter(t: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/**
 * Zone offsets are multiples of 15 minutes and change only at quarter-hour instants, so the
 * offset found at the start of a UTC quarter-hour holds for all of it: one Intl call per
 * zone and quarter-hour instead of one per conversion (evaluation converts constantly).
 */
const QUARTER = 15 * 60_000;
const offsets = new Map<string, number>();

/** Offset of the zone from UTC at instant t, in ms (Asia/Shanghai: +8 h). */
export function zoneOffset(t: number, timeZone: string): number {
  const bucket = Math.floor(t / QUARTER) * QUARTER;
  const key = `${timeZone}|${bucket}`;
  let off = offsets.get(key);
  if (off === undefined) {
    const p = partsFromFormatter(bucket, timeZone);
    off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - bucket;
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

export function localParts(t: number, timeZone: string): LocalParts {
  const d = new Date(t + zoneOffset(t, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** The instant at which local wall time (y, m, d, h:00) occurs in the zone. */
export function localToInstant(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour);
  // Two passes settle the offset even next to a DST change.
  let t = guess - zoneOffset(guess, timeZone);
  t = guess - zoneOffset(t, timeZone);
  return t;
}

export interface HydroDay {
  /** Label of the day, the local date on which it starts: `2023-07-05`. */
  date: string;
  /** Exclusive start (the 08:00 that opens the day). */
  start: number;
  /** Inclusive end (the next 08:00). */
  end: number;
}

/** The hydrological day that instant t belongs to. */
export function hydroDayOf(t: number, timeZone: string, dayStartHour: number): HydroDay {
  const p = localParts(t - 1, timeZone); // t - 1 ms: an instant exactly at 08:00 closes the previous day
  let { year, month, day } = p;
  if (p.hour < dayStartHour) {
    const prev = new Date(Date.UTC(year, month - 1, day) - DAY);
    year = prev.getUTCFullYear();
    month = prev.getUTCMonth() + 1;
    day = prev.getUTCDate();
  }
  const start = localToInstant(year, month, day, dayStartHour, timeZone);
  const next = new Date(Date.UTC(year, month - 1, day) + DAY);
  const end = localToInstant(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), dayStartHour, timeZone);
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { date, start, end };
}

/** Local month-day `MM-DD` of instant t, for seasonal tables such as flood-limit levels. */
export function monthDay(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  return `${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
