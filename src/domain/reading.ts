/**
 * Plausibility of one reading, before it is stored. Pure: time comes in as `now`.
 * Gauges store and forward, so late and out-of-order readings are normal; readings from
 * the future or from long ago are not, and values outside a station's bounds are refused
 * and kept for review (quarantine), never silently dropped.
 */
export interface ReadingValues {
  observedAt: number;
  rainfallMm?: number;
  periodMinutes?: number;
  waterLevelM?: number;
}

export interface StationBounds {
  minLevel?: number;
  maxLevel?: number;
  maxRainPer5Min?: number;
}

export function checkObservedAt(observedAt: number, now: number, limits: { maxFuture: number; maxAge: number }): string | null {
  if (observedAt - now > limits.maxFuture) {
    return `observedAt is ${Math.round((observedAt - now) / 60_000)} min in the future (more than ${Math.round(limits.maxFuture / 60_000)} min is refused); check the gauge's clock`;
  }
  if (now - observedAt > limits.maxAge) {
    return `observedAt is older than ${Math.round(limits.maxAge / 3_600_000)} h and is refused`;
  }
  return null;
}

/** Why a reading is outside the station's plausible bounds, or null when it is plausible. */
export function checkBounds(r: ReadingValues, bounds: StationBounds | undefined, intervalMinutes: number): string | null {
  if (!bounds) return null;
  if (r.waterLevelM !== undefined) {
    if (bounds.minLevel !== undefined && r.waterLevelM < bounds.minLevel) {
      return `waterLevelM ${r.waterLevelM} m is below the station's lower bound ${bounds.minLevel} m`;
    }
    if (bounds.maxLevel !== undefined && r.waterLevelM > bounds.maxLevel) {
      return `waterLevelM ${r.waterLevelM} m is above the station's upper bound ${bounds.maxLevel} m`;
    }
  }
  if (r.rainfallMm !== undefined && bounds.maxRainPer5Min !== undefined) {
    const period = r.periodMinutes ?? intervalMinutes;
    const limit = rainLimit(bounds.maxRainPer5Min, period);
    if (r.rainfallMm > limit) {
      return `rainfallMm ${r.rainfallMm} mm in ${period} min exceeds the station's bound of ${Math.round(limit * 10) / 10} mm (${bounds.maxRainPer5Min} mm per 5 min; longer periods get √(period / 5 min) times that, since the heaviest rain does not last)`;
    }
  }
  return null;
}

/**
 * The most rain plausible over `periodMinutes` at a station bounded to `per5Min` mm per 5 minutes.
 * Checked per 5 minutes of the period: spread evenly, every 5 minutes must fit the bound, and
 * the total may be at most √(period / 5 min) times the bound, not (period / 5 min) times: record
 * rainfall grows with about the square root of its duration (world envelope ≈ 422 mm × hours^0.475),
 * so a long period cannot be used to lift the bound (60 mm/5 min allows 208 mm in 1 h, 1,018 mm in 24 h).
 */
export function rainLimit(per5Min: number, periodMinutes: number): number {
  const slots = Math.max(1, periodMinutes / 5);
  return per5Min * Math.sqrt(slots);
}
