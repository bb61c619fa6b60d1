import { maxLevel, raiseLevel, levelRank, type Level, type MaybeLevel } from './levels.js';
import { hydroDayOf, localParts, localToInstant, monthDay } from './hydroDay.js';
import {
  LONG_WINDOWS,
  RAIN_WINDOWS,
  WINDOW_MS,
  type RainWindow,
  type RuleSet,
  type ThresholdName,
  type RiverThreshold,
  type ReservoirThreshold,
} from './rules.js';

export type StationKind = 'rain' | 'river' | 'reservoir';

/** A seasonal flood-limit level (汛限水位): applies from MM-DD to MM-DD inclusive. */
export interface SeasonalLevel {
  from: string;
  to: string;
  level: number;
}

export interface StationThresholds {
  warning?: number; // 警戒水位
  guarantee?: number; // 保证水位
  record?: number; // 历史最高水位
  floodLimit?: number | SeasonalLevel[]; // 汛限水位
  design?: number; // 设计洪水位
  check?: number; // 校核洪水位
}

/** One stored observation. `t` is epoch ms of observedAt. */
export interface Sample {
  t: number;
  rain: number | null;
  level: number | null;
  /** The rain fell over (t - periodMs, t]; absent: at t (a 5-minute report or shorter). */
  periodMs?: number;
}

export interface Calendar {
  timeZone: string;
  dayStartHour: number;
  /** Start of the rain season (入梅), MM-DD, for the `season` window; default 06-01. */
  seasonStart?: string;
}

export type RainfallReason = { kind: 'rainfall'; window: RainWindow; value: number; limit: number; level: Level };
export type WaterReason = {
  kind: 'river' | 'reservoir';
  threshold: ThresholdName;
  by: number;
  value: number;
  limit: number;
  level: Level;
};
export type RiseReason = { kind: 'rise'; value: number; limit: number; level: Level };
export type Reason = RainfallReason | WaterReason | RiseReason;

export type RainfallWindows = Record<RainWindow, number>;

export interface WaterLevelState {
  value: number;
  observedAt: number;
  /** Signed metres above each threshold that applies (negative = below). */
  excess: Partial<Record<ThresholdName, number>>;
  /** Rate of rise over the last hour, m/h (涨率); null without an earlier level. */
  risePerHour: number | null;
}

export interface StationEvaluation {
  asOf: number;
  latest: Sample | null;
  rainfall: RainfallWindows;
  /** True when any rainfall was reported within the last 24 h (counts toward township means). */
  reportsRain: boolean;
  waterLevel: WaterLevelState | null;
  rainLevel: MaybeLevel;
  waterLevelLevel: MaybeLevel;
  level: MaybeLevel;
  reasons: Reason[];
}

const round = (x: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Rain in each window ending at `asOf`: observations in (asOf - length, asOf]. Rain reported
 * over a longer period is spread evenly over it, so only the part that fell inside a window
 * counts there (a 24 h total does not land in the 10-minute window).
 */
export function rainfallWindows(samples: readonly Sample[], asOf: number, cal: Calendar, archivedDays: ReadonlyMap<number, number> = NO_DAYS): RainfallWindows {
  const day = hydroDayOf(asOf, cal.timeZone, cal.dayStartHour);
  const season = seasonStartAt(asOf, cal);
  const startOf = (w: RainWindow) => (w === 'day' ? day.start : w === 'season' ? season : asOf - WINDOW_MS[w]);
  const out = Object.fromEntries(RAIN_WINDOWS.map((w) => [w, 0])) as RainfallWindows;
  for (const s of samples) {
    if (s.rain === null || s.t > asOf) continue;
    for (const w of RAIN_WINDOWS) out[w] += rainAfter(s, startOf(w));
  }
  // Readings past the hot window live in the archive as daily totals (UTC days): a long window
  // counts every archived day that overlaps it (day resolution at its far end).
  for (const [d, mm] of archivedDays) {
    if (d * DAY_MS > asOf) continue;
    for (const w of LONG_WINDOWS) if ((d + 1) * DAY_MS > startOf(w)) out[w] += mm;
  }
  for (const w of RAIN_WINDOWS) out[w] = round(out[w], 1);
  return out;
}

const DAY_MS = 86_400_000;
const NO_DAYS: ReadonlyMap<number, number> = new Map();

/** Start of the rain season in force at `asOf` (入梅, `seasonStart` MM-DD, local midnight), this year's or last. */
export function seasonStartAt(asOf: number, cal: Calendar): number {
  const [m, d] = (cal.seasonStart ?? '06-01').split('-').map(Number) as [number, number];
  const year = localParts(asOf, cal.timeZone).year;
  const thisYear = localToInstant(year, m, d, 0, cal.timeZone);
  return thisYear <= asOf ? thisYear : localToInstant(year - 1, m, d, 0, cal.timeZone);
}

/** The rain of `samples` that fell in (from, to], spread samples counted by their share. */
export function rainIn(samples: readonly Sample[], from: number, to: number): number {
  let sum = 0;
  for (const s of samples) if (s.rain !== null && s.t > from) sum += rainAfter(s, from) - rainAfter(s, to);
  return sum;
}

/** The part of a sample's rain that fell after `from` (exclusive). */
export function rainAfter(s: Sample, from: number): number {
  if (s.rain === null || s.t <= from) return 0;
  if (!s.periodMs) return s.rain;
  const start = s.t - s.periodMs;
  return start >= from ? s.rain : (s.rain * (s.t - from)) / s.periodMs;
}

/** The flood-limit level that applies on instant t (seasonal tables may wrap the new year). */
export function floodLimitAt(floodLimit: StationThresholds['floodLimit'], t: number, cal: Calendar): number | undefined {
  if (floodLimit === undefined || typeof floodLimit === 'number') return floodLimit;
  const md = monthDay(t, cal.timeZone);
  for (const season of floodLimit) {
    const inSeason = season.from <= season.to ? md >= season.from && md <= season.to : md >= season.from || md <= season.to;
    if (inSeason) return season.level;
  }
  return undefined;
}

/** The thresholds in force at instant t, for the station's kind. */
export function thresholdsAt(kind: StationKind, th: StationThresholds, t: number, cal: Calendar): Partial<Record<ThresholdName, number>> {
  if (kind === 'river') return pickDefined({ warning: th.warning, guarantee: th.guarantee, record: th.record });
  if (kind === 'reservoir') {
    return pickDefined({ floodLimit: floodLimitAt(th.floodLimit, t, cal), design: th.design, check: th.check });
  }
  return {};
}

function pickDefined<T extends string>(o: Record<T, number | undefined>): Partial<Record<T, number>> {
  const out: Partial<Record<T, number>> = {};
  for (const [k, v] of Object.entries(o) as Array<[T, number | undefined]>) if (v !== undefined) out[k] = v;
  return out;
}

/** Latest water level at or before asOf, its excess over each threshold, and its rate of rise. */
export function waterLevelState(samples: readonly Sample[], kind: StationKind, th: StationThresholds, asOf: number, cal: Calendar): WaterLevelState | null {
  const levels = samples.filter((s): s is Sample & { level: number } => s.level !== null && s.t <= asOf);
  const latest = levels.at(-1);
  if (!latest) return null;
  const excess: Partial<Record<ThresholdName, number>> = {};
  for (const [name, value] of Object.entries(thresholdsAt(kind, th, latest.t, cal)) as Array<[ThresholdName, number]>) {
    excess[name] = round(latest.level - value);
  }
  // Rate of rise: against the earliest level within the hour before the latest one.
  const earlier = levels.find((s) => s.t >= latest.t - 3_600_000 && s.t < latest.t);
  const risePerHour = earlier ? round((latest.level - earlier.level) / ((latest.t - earlier.t) / 3_600_000), 3) : null;
  return { value: latest.level, observedAt: latest.t, excess, risePerHour };
}

/**
 * A station's state and level as of `asOf` from its samples (sorted by t).
 * Pure: the same samples, station and rules always give the same answer.
 */
export function evaluateStation(
  samples: readonly Sample[],
  station: { kind: StationKind; thresholds?: StationThresholds },
  rules: RuleSet,
  asOf: number,
  cal: Calendar,
  archivedDays?: ReadonlyMap<number, number>,
): StationEvaluation {
  const visible = samples.filter((s) => s.t <= asOf);
  const rainfall = rainfallWindows(visible, asOf, cal, archivedDays);
  const reasons: Reason[] = [];

  let rainLevel: MaybeLevel = null;
  for (const rule of rules.rainfall) {
    const value = rainfall[rule.window];
    if (value >= rule.mm) {
      reasons.push({ kind: 'rainfall', window: rule.window, value, limit: rule.mm, level: rule.level });
      rainLevel = maxLevel(rainLevel, rule.level);
    }
  }

  const th = station.thresholds ?? {};
  const water = station.kind === 'rain' ? null : waterLevelState(visible, station.kind, th, asOf, cal);
  let waterLevelLevel: MaybeLevel = null;
  if (water) {
    const waterRules: Array<{ over: RiverThreshold | ReservoirThreshold; by: number; level: Level }> = station.kind === 'river' ? rules.river : rules.reservoir;
    const inForce = thresholdsAt(station.kind, th, water.observedAt, cal);
    for (const rule of waterRules) {
      const base = inForce[rule.over];
      if (base === undefined) continue;
      const limit = round(base + rule.by, 3);
      if (water.value >= limit) {
        reasons.push({ kind: station.kind as 'river' | 'reservoir', threshold: rule.over, by: rule.by, value: water.value, limit, level: rule.level });
        waterLevelLevel = maxLevel(waterLevelLevel, rule.level);
      }
    }
    if (rules.rise && waterLevelLevel && water.risePerHour !== null && water.risePerHour >= rules.rise.mPerHour) {
      const raised = raiseLevel(waterLevelLevel, rules.rise.raiseBy);
      if (raised !== waterLevelLevel && raised) {
        reasons.push({ kind: 'rise', value: water.risePerHour, limit: rules.rise.mPerHour, level: raised });
        waterLevelLevel = raised;
      }
    }
  }

  const level = maxLevel(rainLevel, waterLevelLevel);
  reasons.sort((a, b) => levelRank(b.level) - levelRank(a.level));
  const dayAgo = asOf - WINDOW_MS['24h'];
  return {
    asOf,
    latest: visible.at(-1) ?? null,
    rainfall,
    reportsRain: visible.some((s) => s.rain !== null && s.t > dayAgo),
    waterLevel: water,
    rainLevel,
    waterLevelLevel,
    level,
    reasons,
  };
}

/** The lowest water level at which any threshold of the station is reached (any season). */
export function lowestThreshold(th: StationThresholds | undefined): number | null {
  if (!th) return null;
  const values: number[] = [];
  for (const v of [th.warning, th.guarantee, th.record, th.design, th.check]) if (v !== undefined) values.push(v);
  if (typeof th.floodLimit === 'number') values.push(th.floodLimit);
  else if (th.floodLimit) for (const s of th.floodLimit) values.push(s.level);
  return values.length ? Math.min(...values) : null;
}
