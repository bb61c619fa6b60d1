import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBounds } from '../src/domain/reading.js';
import { rainfallWindows } from '../src/domain/station.js';
import { beijing, startService, smallDataset, MIN, type TestService } from './helpers.js';

/** periodMinutes cannot lift a station's rainfall bound, and long-period rain is spread over its period. */
const bound = { maxRainPer5Min: 60 };
const cal = { timeZone: 'Asia/Shanghai', dayStartHour: 8 };

describe('the rainfall bound over a period', () => {
  it('is checked per 5 minutes of the period and grows with its square root, not linearly', () => {
    const at = Date.parse('2026-07-05T08:00:00+08:00');
    expect(checkBounds({ observedAt: at, rainfallMm: 10_000, periodMinutes: 1_440 }, bound, 5)).toMatch(/exceeds the station's bound of 1018\.2 mm/);
    expect(checkBounds({ observedAt: at, rainfallMm: 600, periodMinutes: 1_440 }, bound, 5)).toBeNull();
    expect(checkBounds({ observedAt: at, rainfallMm: 200, periodMinutes: 60 }, bound, 5)).toBeNull();
    expect(checkBounds({ observedAt: at, rainfallMm: 250, periodMinutes: 60 }, bound, 5)).not.toBeNull();
    expect(checkBounds({ observedAt: at, rainfallMm: 61, periodMinutes: 5 }, bound, 5)).not.toBeNull();
    expect(checkBounds({ observedAt: at, rainfallMm: 61 }, bound, 60)).toBeNull(); // the station's own interval
  });

  it('spreads rain over its period in the windows', () => {
    const asOf = Date.parse('2026-07-05T20:00:00+08:00');
    const w = rainfallWindows([{ t: asOf, rain: 144, level: null, periodMs: 1_440 * MIN }], asOf, cal);
    expect(w).toMatchObject({ '10m': 1, '1h': 6, '6h': 36, '24h': 144, day: 72 }); // 12 h since 08:00
    expect(rainfallWindows([{ t: asOf, rain: 3, level: null }], asOf, cal)['10m']).toBe(3); // a 5-minute value stays a point
  });
});

describe('through the API', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService();
    await svc.importData(smallDataset());
  });
  afterAll(() => svc.close());

  it('quarantines 10,000 mm claimed over 1,440 min, and a 24 h total does not land in the 10-minute window', async () => {
    const now = Date.now();
    const bad = await svc.call('POST', '/v1/readings', { body: { stationId: 'R1', observedAt: beijing(now - MIN), rainfallMm: 10_000, periodMinutes: 1_440 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.rejected[0]).toMatchObject({ quarantined: true });
    expect((await svc.call('GET', '/v1/admin/quarantine?stationId=R1')).body[0].reading).toMatchObject({ rainfallMm: 10_000, periodMinutes: 1_440 });

    const day = await svc.call('POST', '/v1/readings', { body: { stationId: 'R2', observedAt: beijing(now), rainfallMm: 288, periodMinutes: 1_440 } });
    expect(day.status).toBe(202);
    await svc.evaluate();
    const r2 = (await svc.call('GET', '/v1/stations/R2')).body;
    expect(r2.rainfall['10m']).toBe(2);
    expect(r2.rainfall['1h']).toBe(12);
    expect(r2.rainfall['24h']).toBe(288);
    const windows = r2.reasons.map((r: { window: string }) => r.window);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows).not.toContain('10m'); // the short-window rules do not see a day's rain
    expect(windows).not.toContain('1h');
  });
});
