import type { OutsideReason } from './outside.js';
import { LEVELS, levelRank, maxLevel, type Level, type MaybeLevel } from './levels.js';
import { RAIN_WINDOWS, type RainfallRule, type RainWindow } from './rules.js';
import type { RainfallWindows, Reason, StationEvaluation } from './station.js';

/**
 * How a township's level follows from its stations. `max` (default): the highest station
 * level. `mean`: rainfall rules apply to the mean over the township's rain-reporting
 * stations (面雨量); water levels still count station by station. `minStations` asks for
 * corroboration, so one faulty gauge cannot put a township at Ⅰ at 3 a.m. on its own.
 */
export interface TownshipPolicy {
  aggregate: 'max' | 'mean';
  minStations: Partial<Record<Level, number>>;
}

export interface StationInput {
  id: string;
  evaluation: Pick<StationEvaluation, 'level' | 'rainLevel' | 'waterLevelLevel' | 'reasons' | 'rainfall' | 'reportsRain'>;
}

export type TownshipReason =
  | (Reason & { stationId: string })
  | { kind: 'rainfall-mean'; window: RainWindow; value: number; limit: number; level: Level; stationIds: string[] }
  | OutsideReason;

export interface Uncorroborated {
  level: Level;
  required: number;
  stationIds: string[];
}

export interface TownshipEvaluation {
  level: MaybeLevel;
  reasons: TownshipReason[];
  /** Stations whose own level supports the township level. */
  agreeing: string[];
  /** Higher levels that some stations showed but too few agreed on. */
  uncorroborated: Uncorroborated[];
}

type LevelOf = (s: StationInput) => MaybeLevel;

/** Highest level that at least minStations[level] stations reach, with those stations. */
function corroboratedMax(stations: readonly StationInput[], levelOf: LevelOf, policy: TownshipPolicy) {
  const uncorroborated: Uncorroborated[] = [];
  for (const level of [...LEVELS].reverse()) {
    const agreeing = stations.filter((s) => levelRank(levelOf(s)) >= levelRank(level));
    if (agreeing.length === 0) continue;
    const required = Math.max(1, policy.minStations[level] ?? 1);
    if (agreeing.length >= required) return { level, agreeing, uncorroborated };
    uncorroborated.push({ level, required, stationIds: agreeing.map((s) => s.id) });
  }
  return { level: null as MaybeLevel, agreeing: [] as StationInput[], uncorroborated };
}

function stationReasons(agreeing: readonly StationInput[], level: MaybeLevel, filter: (r: Reason) => boolean): TownshipReason[] {
  const out: TownshipReason[] = [];
  for (const s of agreeing) {
    for (const r of s.evaluation.reasons) {
      if (filter(r) && levelRank(r.level) >= levelRank(level)) out.push({ ...r, stationId: s.id });
    }
  }
  return out;
}

export function meanRainfall(stations: readonly StationInput[]): { windows: RainfallWindows; stationIds: string[] } | null {
  const reporting = stations.filter((s) => s.evaluation.reportsRain);
  if (reporting.length === 0) return null;
  const windows = Object.fromEntries(
    RAIN_WINDOWS.map((w) => [w, Math.round((reporting.reduce((sum, s) => sum + s.evaluation.rainfall[w], 0) / reporting.length) * 10) / 10]),
  ) as RainfallWindows;
  return { windows, stationIds: reporting.map((s) => s.id) };
}

export function evaluateTownship(stations: readonly StationInput[], policy: TownshipPolicy, rainfallRules: readonly RainfallRule[]): TownshipEvaluation {
  if (policy.aggregate === 'max') {
    const { level, agreeing, uncorroborated } = corroboratedMax(stations, (s) => s.evaluation.level, policy);
    return { level, agreeing: agreeing.map((s) => s.id), uncorroborated, reasons: stationReasons(agreeing, level, () => true) };
  }

  // mean: areal rainfall against the township's rainfall rules, water levels station by station.
  const reasons: TownshipReason[] = [];
  let rainLevel: MaybeLevel = null;
  const mean = meanRainfall(stations);
  if (mean) {
    for (const rule of rainfallRules) {
      const value = mean.windows[rule.window];
      if (value >= rule.mm) {
        reasons.push({ kind: 'rainfall-mean', window: rule.window, value, limit: rule.mm, level: rule.level, stationIds: mean.stationIds });
        rainLevel = maxLevel(rainLevel, rule.level);
      }
    }
  }
  const water = corroboratedMax(stations, (s) => s.evaluation.waterLevelLevel, policy);
  const level = maxLevel(rainLevel, water.level);
  reasons.push(...stationReasons(water.agreeing, water.level, (r) => r.kind !== 'rainfall'));
  const agreeing = new Set<string>(water.level === level ? water.agreeing.map((s) => s.id) : []);
  if (rainLevel === level && mean) for (const id of mean.stationIds) agreeing.add(id);
  reasons.sort((a, b) => levelRank(b.level) - levelRank(a.level));
  return {
    level,
    reasons: reasons.filter((r) => levelRank(r.level) >= levelRank(level)),
    agreeing: [...agreeing],
    uncorroborated: water.uncorroborated.filter((u) => levelRank(u.level) > levelRank(level)),
  };
}
