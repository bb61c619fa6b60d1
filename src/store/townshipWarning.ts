import type { StoredTownshipState } from '../evaluation/engine.js';
import { outsideFromHash, withOutside } from '../domain/outside.js';

/**
 * Read model of a township's warning level: its stored evaluation (the gauges) with the
 * outside warnings in force (its `outsideWarnings` hash, same slot) folded in. Every reader
 * of a township's warning — alerts, the HQ advisor, the API, the board — goes through here,
 * so they all see the same level.
 */
export function townshipWarning(
  stateJson: string | null | undefined,
  outsideHash: Record<string, string> | null | undefined,
  now: number,
): StoredTownshipState | null {
  const state = stateJson ? (JSON.parse(stateJson) as StoredTownshipState) : null;
  return withOutside(state, outsideFromHash(outsideHash), now, () => ({ level: null, reasons: [], agreeing: [], uncorroborated: [], evaluatedAt: now }));
}
