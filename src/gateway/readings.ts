import type { Report } from './frame.js';
import { hydroDayOf } from '../domain/hydroDay.js';
import { checkObservedAt } from '../domain/reading.js';

/**
 * A decoded SL 651 report → readings in the shape of POST /v1/readings. Pure: the previous
 * cumulative rainfall counters of the station come in, the new ones go out.
 * - rainfall: F4 five-minute arrays and PN05 first; else P1 hourly values; else increments
 *   of PT (cumulative) or PJ (current day, reset at the day start) since the last report,
 *   with counter resets handled (a smaller value starts a new count);
 * - water level: Z (river), ZU (reservoir), F5 relative levels (cm) plus the station's base.
 */
export interface GatewayReading {
  stationId: string;
  observedAt: string;
  rainfallMm?: number;
  periodMinutes?: number;
  waterLevelM?: number;
}

export interface Counters {
  pt?: { value: number; at: number };
  pj?: { value: number; at: number };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const plus = (iso: string, minutes: number) => {
  const t = Date.parse(iso) + minutes * 60_000;
  const local = new Date(t + 8 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
};

export function reportToReadings(
  report: Report,
  station: { id: string; kind: string; baseLevel?: number },
  counters: Counters,
  cal: { timeZone: string; dayStartHour: number },
): { readings: GatewayReading[]; counters: Counters; notes: string[] } {
  const readings: GatewayReading[] = [];
  const notes: string[] = [];
  const next: Counters = { ...counters };
  const fine = report.groups.some((g) => g.f4 || g.values.PN05 !== undefined);
  const hourly = report.groups.some((g) => g.values.P1 !== undefined);
  for (const g of report.groups) {
    if (!g.observedAt) continue;
    const at = Date.parse(g.observedAt);
    g.f4?.forEach((mm, i) => {
      if (mm !== null) readings.push({ stationId: station.id, observedAt: plus(g.observedAt!, i * 5), rainfallMm: round(mm, 1), periodMinutes: 5 });
    });
    if (g.f5) {
      if (station.baseLevel === undefined) notes.push('F5 relative levels ignored: the station has no baseLevel');
      else {
        g.f5.forEach((cm, i) => {
          if (cm !== null)
            readings.push({ stationId: station.id, observedAt: plus(g.observedAt!, i * 5), waterLevelM: round(station.baseLevel! + cm / 100, 3) });
        });
      }
    }
    const v = g.values;
    const reading: GatewayReading = { stationId: station.id, observedAt: g.observedAt };
    if (v.PN05 !== undefined) Object.assign(reading, { rainfallMm: v.PN05, periodMinutes: 5 });
    else if (!fine && v.P1 !== undefined) Object.assign(reading, { rainfallMm: v.P1, periodMinutes: 60 });
    else if (!fine && !hourly && v.PT !== undefined) {
      const prev = counters.pt;
      if (prev && at > prev.at) {
        const inc = v.PT >= prev.value ? v.PT - prev.value : v.PT; // a smaller value: the counter was reset
        Object.assign(reading, { rainfallMm: round(inc, 1), periodMinutes: Math.max(1, Math.round((at - prev.at) / 60_000)) });
      }
      if (!prev || at > prev.at) next.pt = { value: v.PT, at };
    } else if (!fine && !hourly && v.PJ !== undefined) {
      const prev = counters.pj;
      if (prev && at > prev.at) {
        const sameDay = hydroDayOf(prev.at, cal.timeZone, cal.dayStartHour).date === hydroDayOf(at, cal.timeZone, cal.dayStartHour).date;
        const inc = sameDay && v.PJ >= prev.value ? v.PJ - prev.value : v.PJ; // new day (08:00) or reset
        Object.assign(reading, { rainfallMm: round(inc, 1), periodMinutes: Math.max(1, Math.round((at - prev.at) / 60_000)) });
      }
      if (!prev || at > prev.at) next.pj = { value: v.PJ, at };
    }
    const level = station.kind === 'reservoir' ? (v.ZU ?? v.Z) : (v.Z ?? v.ZU);
    if (level !== undefined && station.kind !== 'rain') reading.waterLevelM = level;
    if (reading.rainfallMm !== undefined || reading.waterLevelM !== undefined) readings.push(reading);
  }
  // One reading per instant (a level in one group and rain in another at the same time).
  const merged = new Map<string, GatewayReading>();
  for (const r of readings) {
    const key = String(Date.parse(r.observedAt));
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...r });
    else {
      if (seen.rainfallMm === undefined && r.rainfallMm !== undefined) Object.assign(seen, { rainfallMm: r.rainfallMm, periodMinutes: r.periodMinutes });
      if (seen.waterLevelM === undefined && r.waterLevelM !== undefined) seen.waterLevelM = r.waterLevelM;
    }
  }
  return { readings: [...merged.values()], counters: next, notes };
}

/**
 * Readings whose observation time the ingest would refuse (the gauge's clock is ahead, or
 * the time is too old): split off with the reason, to be quarantined instead of dropped.
 */
export function splitByClock(
  readings: readonly GatewayReading[],
  now: number,
  limits: { maxFuture: number; maxAge: number },
): { inTime: GatewayReading[]; refused: Array<{ reading: GatewayReading; reason: string }> } {
  const inTime: GatewayReading[] = [];
  const refused: Array<{ reading: GatewayReading; reason: string }> = [];
  for (const r of readings) {
    const reason = checkObservedAt(Date.parse(r.observedAt), now, limits);
    if (reason) refused.push({ reading: r, reason });
    else inTime.push(r);
  }
  return { inTime, refused };
}
