import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from './helpers.js';
import { importDatasetFile } from '../src/reference/file.js';
import { floodLimitAt } from '../src/domain/station.js';

/** The demo dataset that `npm start` loads into an empty database. */
let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

describe('config/demo/ningguo.yaml', () => {
  it('imports, and imports again as unchanged', async () => {
    const first = await importDatasetFile(svc.runtime.services.reference, 'config/demo/ningguo.yaml');
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    expect(first.counts.townships.created).toBe(15);
    expect(first.counts.stations.created).toBeGreaterThanOrEqual(38);
    const again = await importDatasetFile(svc.runtime.services.reference, 'config/demo/ningguo.yaml');
    if (!again.ok) throw new Error('second import failed');
    for (const c of Object.values(again.counts)) expect(c.created + c.updated).toBe(0);
  });

  it('gives every township a liaison leader, a head and rain gauges; the rivers and the reservoir are there', async () => {
    const ref = await svc.runtime.services.reference.snapshot({ fresh: true });
    for (const t of ref.townships.values()) {
      expect(t.id).toMatch(/^341881\d{3}$/);
      expect(
        ref.assignments.some((a) => a.townshipId === t.id && a.role === 'liaison-leader'),
        t.name,
      ).toBe(true);
      expect(
        ref.assignments.some((a) => a.townshipId === t.id && a.role === 'township-head'),
        t.name,
      ).toBe(true);
      expect((ref.stationsByTownship.get(t.id) ?? []).filter((s) => s.kind === 'rain').length, t.name).toBeGreaterThanOrEqual(2);
    }
    const rivers = new Set([...ref.stations.values()].map((s) => s.river).filter(Boolean));
    expect([...rivers].sort()).toEqual(['东津河', '中津河', '水阳江', '西津河'].sort());
    const reservoir = [...ref.stations.values()].find((s) => s.name === '港口湾水库')!;
    const cal = { timeZone: 'Asia/Shanghai', dayStartHour: 8 };
    expect(floodLimitAt(reservoir.thresholds?.floodLimit, Date.parse('2026-07-05T12:00:00+08:00'), cal)).toBe(133.0);
    expect([...ref.people.values()].some((p) => p.cityRoles.includes('commander'))).toBe(true);
    expect(ref.shifts.length).toBeGreaterThan(0);
  });
});
