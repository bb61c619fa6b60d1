import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, smallDataset, beijing, MIN, HOUR, type TestService } from './helpers.js';

/** The HTTP ingest path: auth, validation, batches, duplicates, conflicts, quarantine, limits. */
const NOW = Date.parse('2026-07-05T14:00:00+08:00');
const clock = NOW;
let svc: TestService;
let key: string;

beforeAll(async () => {
  svc = await startService({ now: () => clock });
  await svc.importData(smallDataset());
  key = await svc.gaugeKey(['R1', 'R2', 'W1', 'K1']);
});
afterAll(() => svc.close());

const post = (body: unknown, token: string | null = key) => svc.call('POST', '/v1/readings', { token, body });

function expectErrorShape(body: any, code: string) {
  expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(body.error).toHaveProperty('details');
}

describe('POST /v1/readings: auth', () => {
  it('needs a token', async () => {
    const res = await post({ stationId: 'R1', observedAt: beijing(NOW), rainfallMm: 1 }, null);
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('refuses an unknown token and a revoked key', async () => {
    expect((await post({ stationId: 'R1', observedAt: beijing(NOW), rainfallMm: 1 }, 'fxg_nope')).status).toBe(401);
    const created = await svc.call('POST', '/v1/admin/gauge-keys', { body: { name: 'to revoke', stations: ['R1'] } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^fxg_/);
    const ok = await post({ stationId: 'R1', observedAt: beijing(NOW - 7 * MIN), rainfallMm: 0 }, created.body.key);
    expect(ok.status).toBe(202);
    expect((await svc.call('DELETE', `/v1/admin/gauge-keys/${created.body.id}`)).status).toBe(204);
    const after = await post({ stationId: 'R1', observedAt: beijing(NOW - 8 * MIN), rainfallMm: 0 }, created.body.key);
    expect(after.status).toBe(401);
  });

  it('lists gauge keys without their secrets', async () => {
    const res = await svc.call('GET', '/v1/admin/gauge-keys');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(key);
    expect(res.body[0].hint).toBe(key.slice(0, 8)); // enough to tell keys apart, never the secret
    expect(res.body[0]).toMatchObject({ id: expect.stringMatching(/^gk_/), name: expect.any(String) });
  });

  it('does not let a gauge key use the admin API or read state', async () => {
    expect((await svc.call('POST', '/v1/admin/gauge-keys', { token: key, body: { name: 'x', stations: ['*'] } })).status).toBe(403);
    expect((await svc.call('GET', '/v1/townships', { token: key })).status).toBe(403);
  });

  it('refuses stations outside the key scope, per entry', async () => {
    const narrow = await svc.gaugeKey(['R1']);
    const res = await post(
      {
        readings: [
          { stationId: 'R1', observedAt: beijing(NOW - 20 * MIN), rainfallMm: 0 },
          { stationId: 'R2', observedAt: beijing(NOW - 20 * MIN), rainfallMm: 0 },
        ],
      },
      narrow,
    );
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([{ index: 1, stationId: 'R2', error: expect.stringMatching(/outside this key's scope/) }]);
  });
});

describe('POST /v1/readings: bodies', () => {
  it('takes one reading', async () => {
    const res = await post({ stationId: 'W1', observedAt: beijing(NOW - 30 * MIN), waterLevelM: 33.1 });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, rejected: [], conflicts: [] });
  });

  it('accepts the good entries of a batch and names the bad ones', async () => {
    const res = await post({
      readings: [
        { stationId: 'R1', observedAt: beijing(NOW - 60 * MIN), rainfallMm: 2.5 },
        { stationId: 'NOPE', observedAt: beijing(NOW - 60 * MIN), rainfallMm: 1 },
        { stationId: 'R1', observedAt: '2026-07-05 13:00', rainfallMm: 1 },
        { stationId: 'R1', observedAt: beijing(NOW - 55 * MIN) },
        { stationId: 'R1', observedAt: beijing(NOW - 50 * MIN), rainfallMm: -1 },
        { stationId: 'R1', observedAt: beijing(NOW + 10 * MIN), rainfallMm: 1 },
        { stationId: 'R1', observedAt: beijing(NOW - 45 * MIN), rainfallMm: 3, extra: true },
        { stationId: 'R2', observedAt: beijing(NOW - 60 * MIN), rainfallMm: 4, periodMinutes: 60 },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    const byIndex = Object.fromEntries(res.body.rejected.map((r: any) => [r.index, r]));
    expect(Object.keys(byIndex).map(Number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(byIndex[1]).toMatchObject({ stationId: 'NOPE', error: 'unknown station "NOPE"' });
    expect(byIndex[2].error).toMatch(/observedAt: observedAt must be ISO 8601 with an offset/);
    expect(byIndex[3].error).toMatch(/at least one measurement/);
    expect(byIndex[4].error).toMatch(/rainfallMm: rainfallMm must be 0 or more/);
    expect(byIndex[5].error).toMatch(/10 min in the future/);
    expect(byIndex[6].error).toMatch(/extra/);
  });

  it('answers 422 when no entry is good', async () => {
    const res = await post({ readings: [{ stationId: 'NOPE', observedAt: beijing(NOW), rainfallMm: 1 }] });
    expect(res.status).toBe(422);
    expectErrorShape(res.body, 'no_reading_accepted');
    expect(JSON.stringify(res.body.error.details)).toMatch(/unknown station/);
  });

  it('refuses 10,001 entries with 413 and takes 10,000', async () => {
    const many = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ stationId: 'R2', observedAt: beijing(base - i * 1000), rainfallMm: 0 }));
    const tooMany = await post({ readings: many(10_001, NOW - 2 * HOUR) });
    expect(tooMany.status).toBe(413);
    expectErrorShape(tooMany.body, 'batch_too_large');
    expect(tooMany.body.error.message).toMatch(/at most 10000 readings; this one has 10001/);
    const ok = await post({ readings: many(10_000, NOW - 2 * HOUR) });
    expect(ok.status).toBe(202);
    expect(ok.body.accepted).toBe(10_000);
  });

  it('refuses bodies that are not JSON, with the shape', async () => {
    const bad = await svc.call('POST', '/v1/readings', { token: key, raw: '{"stationId": "R1",' });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body, 'invalid_json');
    const wrongType = await svc.call('POST', '/v1/readings', { token: key, raw: 'stationId=R1', contentType: 'application/x-www-form-urlencoded' });
    expect(wrongType.status).toBe(415);
    const notArray = await post({ readings: 'R1' });
    expect(notArray.status).toBe(400);
    expect(notArray.body.error.message).toMatch(/must be an array/);
  });

  it('refuses a body over the size limit with 413', async () => {
    const big = JSON.stringify({ readings: [{ stationId: 'R1', observedAt: beijing(NOW), rainfallMm: 1, pad: 'x'.repeat(5 * 1024 * 1024) }] });
    const res = await svc.call('POST', '/v1/readings', { token: key, raw: big });
    expect(res.status).toBe(413);
    expectErrorShape(res.body, 'body_too_large');
  });
});

describe('POST /v1/readings: duplicates, conflicts, quarantine', () => {
  it('reads a rain-only reading stored by an older version ("7,") as the same as one stored now ("7")', async () => {
    const { redis, keys } = svc.runtime.services;
    const at = NOW - 4 * HOUR - 5 * MIN;
    await redis.hset(keys.stationReadings('R2'), String(Math.floor(at / 1000)), '7,');
    const resent = await post({ stationId: 'R2', observedAt: beijing(at), rainfallMm: 7 });
    expect(resent.status).toBe(202);
    expect(resent.body).toMatchObject({ accepted: 0, duplicates: 1, conflicts: [] });
    const changed = await post({ stationId: 'R2', observedAt: beijing(at), rainfallMm: 8 });
    expect(changed.body.conflicts).toEqual([
      { index: 0, stationId: 'R2', observedAt: beijing(at), stored: { rainfallMm: 7, waterLevelM: null }, received: { rainfallMm: 8, waterLevelM: null } },
    ]);
    // New rain-only readings are stored without the comma; a level keeps it.
    const t2 = NOW - 9 * HOUR - 3 * MIN;
    const fresh = await post({
      readings: [
        { stationId: 'R2', observedAt: beijing(t2), rainfallMm: 0.5 },
        { stationId: 'W1', observedAt: beijing(t2), waterLevelM: 30.25 },
      ],
    });
    expect(fresh.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await redis.hget(keys.stationReadings('R2'), String(Math.floor(t2 / 1000)))).toBe('0.5');
    expect(await redis.hget(keys.stationReadings('W1'), String(Math.floor(t2 / 1000)))).toBe(',30.25');
  });

  it('counts the same (station, observedAt) once and reports a different value as a conflict', async () => {
    const t = beijing(NOW - 3 * HOUR);
    const first = await post({ stationId: 'R1', observedAt: t, rainfallMm: 7 });
    expect(first.body.accepted).toBe(1);
    // Same instant written differently (UTC) is the same observation.
    const sameInstant = new Date(NOW - 3 * HOUR).toISOString();
    const again = await post({
      readings: [
        { stationId: 'R1', observedAt: sameInstant, rainfallMm: 7 },
        { stationId: 'R1', observedAt: t, rainfallMm: 9 },
      ],
    });
    expect(again.status).toBe(202);
    expect(again.body.accepted).toBe(0);
    expect(again.body.duplicates).toBe(2);
    expect(again.body.conflicts).toEqual([
      { index: 1, stationId: 'R1', observedAt: t, stored: { rainfallMm: 7, waterLevelM: null }, received: { rainfallMm: 9, waterLevelM: null } },
    ]);
    // Duplicates within one batch, too.
    const inBatch = await post({
      readings: [
        { stationId: 'R2', observedAt: beijing(NOW - 6 * HOUR), rainfallMm: 1 },
        { stationId: 'R2', observedAt: beijing(NOW - 6 * HOUR), rainfallMm: 1 },
      ],
    });
    expect(inBatch.body).toMatchObject({ accepted: 1, duplicates: 1 });
    await svc.evaluate();
    const station = await svc.call('GET', '/v1/stations/R1');
    expect(station.body.rainfall['6h']).toBe(9.5); // 7 (first stands, once) + 2.5 from the batch above
  });

  it('gives each of many concurrent single posts its own answer (they share round trips to Redis)', async () => {
    // 40 posts at once, as gauges do in a storm: 20 different readings, each posted twice,
    // the second time with a different value for half of them.
    const at = (i: number) => beijing(NOW - 5 * HOUR - i * MIN - 17_000); // times no other test uses
    const bodies = Array.from({ length: 20 }, (_, i) => ({ stationId: i % 2 ? 'R1' : 'R2', observedAt: at(i), rainfallMm: 1 }));
    const again = bodies.map((b, i) => ({ ...b, rainfallMm: i < 10 ? 1 : 2 }));
    const answers = await Promise.all([...bodies, ...again].map((b) => post(b)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    for (let i = 0; i < 20; i++) {
      const pair = [answers[i]!.body, answers[20 + i]!.body];
      // Exactly one of the two was stored; the other is a duplicate (same value) or a conflict.
      expect(pair.map((b) => b.accepted).sort()).toEqual([0, 1]);
      const loser = pair.find((b) => b.accepted === 0)!;
      expect(loser.duplicates).toBe(1);
      expect(loser.conflicts).toHaveLength(i < 10 ? 0 : 1);
    }
  });

  it('keeps readings outside the bounds in quarantine for admins', async () => {
    const res = await post({
      readings: [
        { stationId: 'W1', observedAt: beijing(NOW - 5 * MIN), waterLevelM: 99 },
        { stationId: 'R1', observedAt: beijing(NOW - 5 * MIN), rainfallMm: 80 },
      ],
    });
    expect(res.status).toBe(422);
    const details = res.body.error.details.rejected;
    expect(details).toHaveLength(2);
    expect(details[0]).toMatchObject({ index: 0, stationId: 'W1', quarantined: true, error: expect.stringMatching(/above the station's upper bound 45 m/) });
    const q = await svc.call('GET', '/v1/admin/quarantine?stationId=W1');
    expect(q.status).toBe(200);
    expect(q.body[0]).toMatchObject({ stationId: 'W1', reason: expect.stringMatching(/upper bound/), reading: { waterLevelM: 99 } });
    expect((await svc.call('GET', '/v1/admin/quarantine', { token: key })).status).toBe(403);
    // Quarantined readings never reach the windows.
    await svc.evaluate();
    expect((await svc.call('GET', '/v1/stations/W1')).body.waterLevel.value).toBe(33.1);
  });
});

describe('read API', () => {
  it('shows a station with its windows, water level and evidence', async () => {
    await post({ stationId: 'W1', observedAt: beijing(NOW - 10 * MIN), waterLevelM: 35.8 });
    await svc.evaluate();
    const res = await svc.call('GET', '/v1/stations/W1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 'W1',
      name: '西津河宁国站',
      kind: 'river',
      townshipId: '341881001',
      latest: { observedAt: new Date(NOW - 10 * MIN).toISOString(), rainfallMm: null, waterLevelM: 35.8 },
      waterLevel: { value: 35.8, excess: { warning: 0.3, guarantee: -1.2, record: -2.4 } },
      level: 'IV',
      reasons: [{ kind: 'river', threshold: 'warning', value: 35.8, limit: 35.5, level: 'IV' }],
      upToDate: true,
    });
    expect(Object.keys(res.body.rainfall)).toEqual(expect.arrayContaining(['1h', '3h', '6h', '12h', '24h', 'day']));
  });

  it('answers 404 with the shape for unknown ids', async () => {
    const res = await svc.call('GET', '/v1/stations/NOPE');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'not_found');
    expect((await svc.call('GET', '/v1/townships/000')).status).toBe(404);
    expect((await svc.call('GET', '/v1/nothing-here')).status).toBe(404);
  });

  it('lists stations of a township and answers /healthz without a token', async () => {
    const res = await svc.call('GET', '/v1/stations?townshipId=341881100');
    expect(res.body.map((s: any) => s.id)).toEqual(['K1']);
    expect((await svc.call('GET', '/healthz', { token: null })).status).toBe(200);
  });
});
