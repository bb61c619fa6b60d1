import type { Level } from './levels.js';

/**
 * Rule tables: rainfall over a window, or a water level over one of the station's own
 * thresholds (plus a margin), gives a level. Any matching rule counts; the highest wins.
 * Tables come from config (the defaults), a township, or a station (flash-flood villages
 * carry their own critical-rainfall tables, 临界雨量); the most specific table replaces
 * the others, one category at a time.
 */
export const RAIN_WINDOWS = ['10m', '30m', '1h', '3h', '6h', '12h', '24h', 'day', '72h', '7d', 'season'] as const;
export type RainWindow = (typeof RAIN_WINDOWS)[number];
/** Windows longer than the hot readings: counted from the daily totals of the archive (antecedent rain). */
export const LONG_WINDOWS: readonly RainWindow[] = ['72h', '7d', 'season'];

/**
 * Length of each fixed window; `day` is the hydrological day and `season` runs from the configured
 * season start (入梅, `levels.yaml seasonStart`), neither has a fixed length.
 */
export const WINDOW_MS: Record<Exclude<RainWindow, 'day' | 'season'>, number> = {
  '10m': 10 * 60_000,
  '30m': 30 * 60_000,
  '1h': 3_600_000,
  '3h': 3 * 3_600_000,
  '6h': 6 * 3_600_000,
  '12h': 12 * 3_600_000,
  '24h': 24 * 3_600_000,
  '72h': 72 * 3_600_000,
  '7d': 7 * 86_400_000,
};

export const RIVER_THRESHOLDS = ['warning', 'guarantee', 'record'] as const; // 警戒 保证 历史最高
export const RESERVOIR_THRESHOLDS = ['floodLimit', 'design', 'check'] as const; // 汛限 设计 校核
export type RiverThreshold = (typeof RIVER_THRESHOLDS)[number];
export type ReservoirThreshold = (typeof RESERVOIR_THRESHOLDS)[number];
export type ThresholdName = RiverThreshold | ReservoirThreshold;

export interface RainfallRule {
  window: RainWindow;
  mm: number;
  level: Level;
}

export interface WaterRule<T extends ThresholdName> {
  over: T;
  /** Margin above the threshold in metres (0 = at the threshold). */
  by: number;
  level: Level;
}

/** 涨率: a fast rise lifts the level that the water level already gives. */
export interface RiseRule {
  mPerHour: number;
  raiseBy: number;
}

export interface RuleSet {
  rainfall: RainfallRule[];
  river: WaterRule<RiverThreshold>[];
  reservoir: WaterRule<ReservoirThreshold>[];
  rise: RiseRule | null;
}

export type RuleOverrides = Partial<RuleSet>;

/** Station rules beat township rules beat the defaults, category by category. */
export function resolveRules(defaults: RuleSet, ...overrides: Array<RuleOverrides | undefined>): RuleSet {
  const out: RuleSet = { ...defaults };
  for (const o of overrides) {
    if (!o) continue;
    if (o.rainfall) out.rainfall = o.rainfall;
    if (o.river) out.river = o.river;
    if (o.reservoir) out.reservoir = o.reservoir;
    if (o.rise !== undefined) out.rise = o.rise;
  }
  return out;
}
