import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plainReading } from '../src/ingest/plainReading.js';
import { readingSchema } from '../src/ingest/readings.js';

/** The hand-written check of the ingest path accepts exactly what the reading schema accepts. */
const isoish = fc.oneof(
  fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(
      fc.integer({ min: 1999, max: 2031 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.constantFrom('', '.5', '.123456', '.'),
      fc.constantFrom('Z', '+08:00', '-03:30', '+0800', '+24:00', '', 'z', '+08'),
    )
    .map(
      ([y, mo, d, h, mi, frac, off]) =>
        `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(mi % 60).padStart(2, '0')}${frac}${off}`,
    ),
  fc.constantFrom('2026-07-05T08:00:00+08:00', '2026-07-05 08:00:00+08:00', '2026-07-05T08:00+08:00', '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', ''),
  fc.string(),
);
const num = fc.oneof(
  fc.double(),
  fc.integer({ min: -2_000, max: 20_000 }),
  fc.constantFrom(0, -0, 1_440, 1_441, 10_000, 10_000.5, -1_000, -1_000.5, Number.NaN, Infinity),
);
const value = fc.oneof(num, fc.string(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}));
const reading = fc.record(
  {
    stationId: fc.oneof(fc.constantFrom('R1', ''), fc.string(), value),
    observedAt: fc.oneof(isoish, value),
    rainfallMm: fc.oneof(num, value),
    periodMinutes: fc.oneof(fc.integer({ min: -5, max: 1_500 }), num, value),
    waterLevelM: fc.oneof(num, value),
    extra: value,
  },
  { requiredKeys: [] },
);

/** Mostly valid readings, each field sometimes at or over its bound. */
const nearValid = fc.record(
  {
    stationId: fc.constantFrom('R1', 'W-01', '站1'),
    observedAt: fc.oneof(
      fc.date({ min: new Date('2000-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2026-07-05T08:00:00+08:00', '2026-07-05T08:00:00.5-03:30'),
    ),
    rainfallMm: fc.oneof(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.constantFrom(-0.1, 10_000.1, 0)),
    periodMinutes: fc.oneof(fc.integer({ min: 1, max: 1_440 }), fc.constantFrom(0, 1_441, 5.5)),
    waterLevelM: fc.oneof(fc.double({ min: -1_000, max: 10_000, noNaN: true }), fc.constantFrom(-1_000.1, 10_000.1)),
  },
  { requiredKeys: ['stationId', 'observedAt'] },
);

describe('plainReading', () => {
  it('accepts a reading exactly when readingSchema does, and returns the same values', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(reading, nearValid, value), (entry) => {
        const schema = readingSchema.safeParse(entry);
        const plain = plainReading(entry);
        expect(plain !== null).toBe(schema.success);
        if (plain && schema.success) {
          accepted++;
          expect(plain).toEqual(schema.data);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(200); // both sides of the boundary were tried
  });

  it('takes the usual shapes', () => {
    expect(plainReading({ stationId: 'R1', observedAt: '2026-07-05T08:00:00+08:00', rainfallMm: 0.5 })).not.toBeNull();
    expect(plainReading({ stationId: 'W1', observedAt: '2026-07-05T00:00:00.000Z', waterLevelM: 35.2, periodMinutes: 60 })).not.toBeNull();
    expect(plainReading({ stationId: 'R1', observedAt: '2026-07-05T08:00:00', rainfallMm: 0.5 })).toBeNull();
  });
});
