import { describe, expect, it } from 'vitest';
import { rainfallWindows, evaluateStation, floodLimitAt, waterLevelState, type Sample, type Calendar } from '../src/domain/station.js';
import { hydroDayOf, localParts } from '../src/domain/hydroDay.js';
import { resolveRules, type RuleSet } from '../src/domain/rules.js';
import { evaluateTownship, type StationInput } from '../src/domain/township.js';
import { maxLevel, raiseLevel, levelRank } from '../src/domain/levels.js';
import { parseDuration } from '../src/domain/duration.js';
import { checkBounds, checkObservedAt } from '../src/domain/reading.js';

const cal: Calendar = { timeZone: 'Asia/Shanghai', dayStartHour: 8 };
const MIN = 60_000;
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const rain = (t: number, mm: number): Sample => ({ t, rain: mm, level: null });
const level = (t: number, m: number): Sample => ({ t, rain: null, level: m });

const defaults: RuleSet = {
  rainfall: [
    { window: '12h', mm: 50, level: 'IV' },
    { window: '6h', mm: 50, level: 'III' },
    { window: '3h', mm: 50, level: 'II' },
    { window: '3h', mm: 100, level: 'I' },
  ],
  river: [
    { over: 'warning', by: 0, level: 'IV' },
    { over: 'warning', by: 0.5, level: 'III' },
    { over: 'guarantee', by: 0, level: 'II' },
    { over: 'record', by: 0, level: 'I' },
  ],
  reservoir: [
    { over: 'floodLimit', by: 0, level: 'IV' },
    { over: 'design', by: 0, level: 'II' },
    { over: 'check', by: 0, level: 'I' },
  ],
  rise: null,
};

describe('levels', () => {
  it('orders IV < III < II < I and raises within bounds', () => {
    expect(maxLevel(null, 'IV', 'II', 'III')).toBe('II');
    expect(maxLevel(null, null)).toBeNull();
    expect(levelRank('I')).toBeGreaterThan(levelRank('II'));
    expect(raiseLevel('IV')).toBe('III');
    expect(raiseLevel('I')).toBe('I');
    expect(raiseLevel('IV', 2)).toBe('II');
  });

  it('parses durations in s, m, h, d', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(15 * MIN);
    expect(parseDuration('2h')).toBe(2 * HOUR);
    expect(parseDuration('1d')).toBe(24 * HOUR);
    expect(parseDuration('2 hours')).toBeNull();
    expect(parseDuration('20ms')).toBe(20);
  });
});

describe('rainfall windows', () => {
  const asOf = at('2023-07-05T06:00:00Z'); // 14:00 Beijing time

  it('sums each window over (asOf - length, asOf]', () => {
    const samples = [
      rain(asOf, 1), // in every window
      rain(asOf - 9 * MIN, 2), // inside 10m
      rain(asOf - 10 * MIN, 4), // exactly 10 min old: outside 10m, inside 30m
      rain(asOf - 59 * MIN, 8), // inside 1h
      rain(asOf - 2 * HOUR, 16), // inside 3h
      rain(asOf - 5 * HOUR, 32), // inside 6h
      rain(asOf - 11 * HOUR, 64), // inside 12h
      rain(asOf - 23 * HOUR, 128), // inside 24h
      rain(asOf - 24 * HOUR, 256), // exactly 24 h old: outside
      rain(asOf + MIN, 512), // after asOf: never counted
    ];
    const w = rainfallWindows(samples, asOf, cal);
    expect(w['10m']).toBe(3);
    expect(w['30m']).toBe(7);
    expect(w['1h']).toBe(15);
    expect(w['3h']).toBe(31);
    expect(w['6h']).toBe(63);
    expect(w['12h']).toBe(127);
    expect(w['24h']).toBe(255);
  });

  it('counts the hydrological day from 08:00 Beijing time, not midnight', () => {
    // asOf 14:00 +08:00 on 07-05: the day began at 08:00 +08:00 (00:00Z).
    const samples = [
      rain(at('2023-07-05T00:00:00Z'), 10), // exactly 08:00: closes the previous day
      rain(at('2023-07-05T00:05:00Z'), 3), // 08:05: today
      rain(at('2023-07-04T23:55:00Z'), 7), // 07:55: yesterday
      rain(at('2023-07-05T05:00:00Z'), 5),
    ];
    const w = rainfallWindows(samples, asOf, cal);
    expect(w.day).toBe(8);
    expect(w['24h']).toBe(25);
  });

  it('places instants on the right hydrological day in +08:00', () => {
    const d1 = hydroDayOf(at('2023-07-05T08:00:00+08:00'), 'Asia/Shanghai', 8);
    expect(d1.date).toBe('2023-07-04');
    const d2 = hydroDayOf(at('2023-07-05T08:00:01+08:00'), 'Asia/Shanghai', 8);
    expect(d2.date).toBe('2023-07-05');
    expect(d2.start).toBe(at('2023-07-05T08:00:00+08:00'));
    expect(d2.end).toBe(at('2023-07-06T08:00:00+08:00'));
    // 02:00 local on 07-06 still belongs to the day that began on 07-05.
    expect(hydroDayOf(at('2023-07-06T02:00:00+08:00'), 'Asia/Shanghai', 8).date).toBe('2023-07-05');
    // Across a month end.
    expect(hydroDayOf(at('2023-08-01T07:59:00+08:00'), 'Asia/Shanghai', 8).date).toBe('2023-07-31');
  });

  it('follows a different day start hour', () => {
    expect(hydroDayOf(at('2023-07-05T07:00:00+08:00'), 'Asia/Shanghai', 0).date).toBe('2023-07-05');
    expect(hydroDayOf(at('2023-07-05T07:00:00+08:00'), 'Asia/Shanghai', 8).date).toBe('2023-07-04');
  });
});

describe('water level', () => {
  const thresholds = {
    floodLimit: [
      { from: '05-01', to: '09-30', level: 133.0 },
      { from: '10-01', to: '04-30', level: 135.5 },
    ],
    design: 140.5,
    check: 142.0,
  };

  it('takes the seasonal flood limit in force on the day, including a table wrapping the new year', () => {
    expect(floodLimitAt(thresholds.floodLimit, at('2026-07-05T12:00:00+08:00'), cal)).toBe(133.0);
    expect(floodLimitAt(thresholds.floodLimit, at('2026-09-30T23:00:00+08:00'), cal)).toBe(133.0);
    // 2026-09-30T23:00Z is already 10-01 in Beijing.
    expect(floodLimitAt(thresholds.floodLimit, at('2026-09-30T23:00:00Z'), cal)).toBe(135.5);
    expect(floodLimitAt(thresholds.floodLimit, at('2026-01-15T12:00:00+08:00'), cal)).toBe(135.5);
    expect(floodLimitAt(thresholds.floodLimit, at('2026-04-30T12:00:00+08:00'), cal)).toBe(135.5);
    expect(floodLimitAt(134, at('2026-01-15T12:00:00+08:00'), cal)).toBe(134);
    expect(floodLimitAt([{ from: '06-01', to: '08-31', level: 130 }], at('2026-03-01T12:00:00+08:00'), cal)).toBeUndefined();
  });

  it('gives a reservoir IV above the summer flood limit but nothing at the same level in winter', () => {
    const summer = at('2026-07-05T12:00:00+08:00');
    const s = evaluateStation([level(summer, 134.0)], { kind: 'reservoir', thresholds }, defaults, summer, cal);
    expect(s.level).toBe('IV');
    expect(s.waterLevel?.excess.floodLimit).toBe(1);
    expect(s.reasons[0]).toMatchObject({ kind: 'reservoir', threshold: 'floodLimit', value: 134, limit: 133, level: 'IV' });
    const winter = at('2026-12-05T12:00:00+08:00');
    const w = evaluateStation([level(winter, 134.0)], { kind: 'reservoir', thresholds }, defaults, winter, cal);
    expect(w.level).toBeNull();
    expect(w.waterLevel?.excess.floodLimit).toBe(-1.5);
  });

  it('maps river levels over warning, warning + 0.5, guarantee and record', () => {
    const t = at('2023-07-05T14:00:00+08:00');
    const river = { kind: 'river' as const, thresholds: { warning: 35.5, guarantee: 37.0, record: 38.2 } };
    const cases: Array<[number, string | null]> = [
      [35.49, null],
      [35.5, 'IV'],
      [35.99, 'IV'],
      [36.0, 'III'],
      [37.0, 'II'],
      [38.2, 'I'],
    ];
    for (const [m, expected] of cases) {
      expect(evaluateStation([level(t, m)], river, defaults, t, cal).level, `${m} m`).toBe(expected);
    }
  });

  it('computes the rate of rise against the earliest level in the hour before', () => {
    const t = at('2023-07-05T14:00:00+08:00');
    const samples = [level(t - 2 * HOUR, 30), level(t - 60 * MIN, 34), level(t - 30 * MIN, 34.5), level(t, 35)];
    const state = waterLevelState(samples, 'river', { warning: 35.5 }, t, cal);
    expect(state?.value).toBe(35);
    expect(state?.risePerHour).toBe(1); // 34 → 35 over exactly one hour
    expect(state?.excess.warning).toBe(-0.5);
  });

  it('lifts the water-level level on a fast rise when a rise rule is set', () => {
    const t = at('2023-07-05T14:00:00+08:00');
    const river = { kind: 'river' as const, thresholds: { warning: 35.5, guarantee: 37.0, record: 38.2 } };
    const samples = [level(t - HOUR, 34.6), level(t, 35.6)];
    expect(evaluateStation(samples, river, defaults, t, cal).level).toBe('IV');
    const withRise = evaluateStation(samples, river, { ...defaults, rise: { mPerHour: 0.5, raiseBy: 1 } }, t, cal);
    expect(withRise.level).toBe('III');
    expect(withRise.reasons[0]).toMatchObject({ kind: 'rise', value: 1, limit: 0.5, level: 'III' });
  });
});

describe('rules', () => {
  const t = at('2023-07-05T14:00:00+08:00');
  const threeHours = [rain(t - 2 * HOUR, 30), rain(t - HOUR, 30), rain(t, 45)]; // 105 mm in 3 h

  it('gives the highest level of all matching rules, with every matching reason', () => {
    const s = evaluateStation(threeHours, { kind: 'rain' }, defaults, t, cal);
    expect(s.level).toBe('I');
    expect(s.rainLevel).toBe('I');
    expect(s.reasons.map((r) => r.level)).toEqual(['I', 'II', 'III', 'IV']);
    expect(s.reasons[0]).toEqual({ kind: 'rainfall', window: '3h', value: 105, limit: 100, level: 'I' });
  });

  it('stays at none below every rule', () => {
    const s = evaluateStation([rain(t, 49.9)], { kind: 'rain' }, defaults, t, cal);
    expect(s.level).toBeNull();
    expect(s.reasons).toEqual([]);
  });

  it('lets a station table replace the defaults (flash-flood critical rainfall) category by category', () => {
    const village = { rainfall: [{ window: '1h' as const, mm: 30, level: 'II' as const }] };
    const township = { rainfall: [{ window: '1h' as const, mm: 20, level: 'IV' as const }], river: [] };
    const rules = resolveRules(defaults, township, village);
    expect(rules.rainfall).toEqual(village.rainfall);
    expect(rules.river).toEqual([]); // the township's table, not the defaults
    expect(rules.reservoir).toEqual(defaults.reservoir);
    const s = evaluateStation([rain(t, 35)], { kind: 'rain' }, rules, t, cal);
    expect(s.level).toBe('II');
    // 35 mm in an hour under the defaults is nothing; under the township table it is IV.
    expect(evaluateStation([rain(t, 35)], { kind: 'rain' }, defaults, t, cal).level).toBeNull();
    expect(evaluateStation([rain(t, 35)], { kind: 'rain' }, resolveRules(defaults, township), t, cal).level).toBe('IV');
  });
});

describe('township aggregation', () => {
  const st = (id: string, lvl: 'IV' | 'III' | 'II' | 'I' | null, rain3h = 0, reportsRain = true): StationInput => ({
    id,
    evaluation: {
      level: lvl,
      rainLevel: lvl,
      waterLevelLevel: null,
      reasons: lvl ? [{ kind: 'rainfall', window: '3h', value: rain3h, limit: 50, level: lvl }] : [],
      rainfall: {
        '10m': 0,
        '30m': 0,
        '1h': 0,
        '3h': rain3h,
        '6h': rain3h,
        '12h': rain3h,
        '24h': rain3h,
        day: rain3h,
        '72h': rain3h,
        '7d': rain3h,
        season: rain3h,
      },
      reportsRain,
    },
  });

  it('takes the highest station by default and names it', () => {
    const e = evaluateTownship([st('a', 'IV', 60), st('b', 'II', 60), st('c', null)], { aggregate: 'max', minStations: {} }, defaults.rainfall);
    expect(e.level).toBe('II');
    expect(e.agreeing).toEqual(['b']);
    expect(e.reasons).toEqual([{ kind: 'rainfall', window: '3h', value: 60, limit: 50, level: 'II', stationId: 'b' }]);
  });

  it('needs corroboration for the levels configured, and says which level was withheld', () => {
    const policy = { aggregate: 'max' as const, minStations: { I: 2, II: 2 } };
    const lone = evaluateTownship([st('a', 'I', 120), st('b', 'III', 55), st('c', null)], policy, defaults.rainfall);
    expect(lone.level).toBe('III');
    expect(lone.agreeing.sort()).toEqual(['a', 'b']);
    expect(lone.uncorroborated).toEqual([
      { level: 'I', required: 2, stationIds: ['a'] },
      { level: 'II', required: 2, stationIds: ['a'] },
    ]);
    const two = evaluateTownship([st('a', 'I', 120), st('b', 'II', 60)], policy, defaults.rainfall);
    expect(two.level).toBe('II');
    expect(two.agreeing.sort()).toEqual(['a', 'b']);
  });

  it('applies rainfall rules to the areal mean with aggregate: mean', () => {
    const policy = { aggregate: 'mean' as const, minStations: {} };
    // 120 mm at one gauge, 10 and 20 at the others: mean 50 mm in 3 h → II.
    const e = evaluateTownship([st('a', 'I', 120), st('b', null, 10), st('c', null, 20), st('d', null, 0, false)], policy, defaults.rainfall);
    expect(e.level).toBe('II');
    expect(e.reasons[0]).toMatchObject({ kind: 'rainfall-mean', window: '3h', value: 50, level: 'II', stationIds: ['a', 'b', 'c'] });
  });

  it('is none with no station at a level', () => {
    expect(evaluateTownship([st('a', null)], { aggregate: 'max', minStations: {} }, defaults.rainfall).level).toBeNull();
  });
});

describe('reading plausibility', () => {
  const now = at('2026-07-05T12:00:00+08:00');
  const limits = { maxFuture: 5 * MIN, maxAge: 7 * 24 * HOUR };

  it('refuses readings more than 5 minutes ahead or older than the max age', () => {
    expect(checkObservedAt(now + 4 * MIN, now, limits)).toBeNull();
    expect(checkObservedAt(now + 6 * MIN, now, limits)).toMatch(/in the future/);
    expect(checkObservedAt(now - 8 * 24 * HOUR, now, limits)).toMatch(/older/);
  });

  it('checks bounds, scaling the rain bound with the period', () => {
    const bounds = { minLevel: 20, maxLevel: 45, maxRainPer5Min: 60 };
    expect(checkBounds({ observedAt: now, waterLevelM: 46 }, bounds, 5)).toMatch(/upper bound 45/);
    expect(checkBounds({ observedAt: now, waterLevelM: 19 }, bounds, 5)).toMatch(/lower bound 20/);
    expect(checkBounds({ observedAt: now, rainfallMm: 61 }, bounds, 5)).toMatch(/exceeds/);
    expect(checkBounds({ observedAt: now, rainfallMm: 61, periodMinutes: 60 }, bounds, 5)).toBeNull();
    expect(checkBounds({ observedAt: now, rainfallMm: 20 }, undefined, 5)).toBeNull();
  });
});

describe('zone arithmetic', () => {
  it('agrees with Intl across DST changes and odd offsets', () => {
    const zones = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe'];
    const fmt = (tz: string) =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    for (const tz of zones) {
      const f = fmt(tz);
      const edges = [
        '2026-03-29T01:00:00Z',
        '2026-10-25T01:00:00Z',
        '2026-03-08T07:00:00Z',
        '2026-11-01T06:00:00Z',
        '2026-04-04T15:00:00Z',
        '2026-10-03T15:30:00Z',
      ].flatMap((iso) => [-3_600_000, -60_000, -1_000, -1, 0, 1, 1_000, 60_000, 1_799_999, 3_600_000].map((d) => Date.parse(iso) + d));
      const sweep: number[] = [];
      for (let t = Date.parse('2026-03-01T00:00:00Z'); t < Date.parse('2026-11-15T00:00:00Z'); t += 7 * 60_000 + 13_000 + 86_400_000 / 7) sweep.push(t);
      for (const t of [...edges, ...sweep]) {
        const p = Object.fromEntries(
          f
            .formatToParts(new Date(t))
            .filter((x) => x.type !== 'literal')
            .map((x) => [x.type, Number(x.value)]),
        );
        expect(localParts(t, tz), `${tz} ${new Date(t).toISOString()}`).toEqual({
          year: p.year,
          month: p.month,
          day: p.day,
          hour: p.hour,
          minute: p.minute,
          second: p.second,
        });
      }
    }
  });
});
