import { regexes } from 'zod';
import type { ReadingInput } from './readings.js';

const OBSERVED_AT = regexes.datetime({ offset: true });
const FIELDS = new Set(['stationId', 'observedAt', 'rainfallMm', 'periodMinutes', 'waterLevelM']);

const within = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/**
 * The usual reading, checked by hand: returns it when `readingSchema` would accept it as it
 * is, otherwise null, and the schema then says what is wrong (so every message stays the
 * schema's). The schema costs a batch of 5,000 readings a few milliseconds; this a fraction.
 * Kept equal to the schema by a property test (test/plain-reading.test.ts).
 */
export function plainReading(entry: unknown): ReadingInput | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return null;
  for (const k of Object.keys(entry)) if (!FIELDS.has(k)) return null;
  const { stationId, observedAt, rainfallMm, periodMinutes, waterLevelM } = entry as Record<string, unknown>;
  if (typeof stationId !== 'string' || stationId.length === 0) return null;
  if (typeof observedAt !== 'string' || !OBSERVED_AT.test(observedAt)) return null;
  if (rainfallMm !== undefined && !within(rainfallMm, 0, 10_000)) return null;
  if (periodMinutes !== undefined && !(Number.isSafeInteger(periodMinutes) && within(periodMinutes, 1, 1_440))) return null;
  if (waterLevelM !== undefined && !within(waterLevelM, -1_000, 10_000)) return null;
  if (rainfallMm === undefined && waterLevelM === undefined) return null;
  return entry as ReadingInput;
}
