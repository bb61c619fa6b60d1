import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, type TestService } from './helpers.js';
import { readAudit } from '../src/store/audit.js';

/** The reference-data admin API: CRUD, versions, referential checks, audit, roles. */
let svc: TestService;
const NOW = Date.now();
beforeAll(async () => {
  svc = await startService();
  await svc.importData(alertDataset('http://hooks.test', NOW));
});
afterAll(() => svc.close());

describe('CRUD with versions', () => {
  it('creates, reads with an ETag, and refuses a duplicate', async () => {
    const created = await svc.call('POST', '/v1/admin/townships', { body: { id: '341881101', name: '梅林镇', commandPost: { lat: 30.5, lon: 118.9 } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: '341881101', name: '梅林镇', version: 1 });
    expect(created.headers.get('etag')).toBe('"1"');
    const again = await svc.call('POST', '/v1/admin/townships', { body: { id: '341881101', name: '梅林镇' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_exists');
    const got = await svc.call('GET', '/v1/admin/townships/341881101');
    expect(got.body.version).toBe(1);
    expect((await svc.call('GET', '/v1/admin/townships')).body.map((t: any) => t.id)).toContain('341881101');
    // The rest of the service sees it at once.
    expect((await svc.call('GET', '/v1/townships/341881101')).status).toBe(200);
  });

  it('catches a concurrent edit: the second writer with the old version gets 412', async () => {
    const put = (name: string, version: number, viaHeader: boolean) =>
      svc.call('PUT', '/v1/admin/townships/341881101', {
        body: { id: '341881101', name, ...(viaHeader ? {} : { version }) },
        ...(viaHeader ? {} : {}),
      });
    const first = await put('梅林镇（改）', 1, false);
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);
    const second = await put('梅林镇（另一人改）', 1, false);
    expect(second.status).toBe(412);
    expect(second.body.error).toMatchObject({ code: 'version_mismatch', details: { currentVersion: 2 } });
    const ifMatch = await svc.runtime.app.request('/v1/admin/townships/341881101', {
      method: 'PUT',
      headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json', 'if-match': '"2"' },
      body: JSON.stringify({ id: '341881101', name: '梅林镇' }),
    });
    expect(ifMatch.status).toBe(200);
    const none = await svc.call('PUT', '/v1/admin/townships/341881101', { body: { id: '341881101', name: 'x' } });
    expect(none.status).toBe(428);
    const renamed = await svc.call('PUT', '/v1/admin/townships/341881101', { body: { id: '341881199', name: 'x', version: 3 } });
    expect(renamed.status).toBe(422);
  });

  it('refuses a station in an unknown township, with the path', async () => {
    const res = await svc.call('POST', '/v1/admin/stations', { body: { id: 'R9', name: '无主站', kind: 'rain', townshipId: '999' } });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: 'townshipId', message: 'unknown township "999"' }]);
    const bad = await svc.call('POST', '/v1/admin/stations', { body: { id: 'R9', name: 'x', kind: 'lake', townshipId: '341881101' } });
    expect(bad.body.error.details[0].path).toBe('kind');
  });

  it('re-evaluates a station when its thresholds change', async () => {
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 34.0 } });
    await svc.evaluate();
    expect((await svc.call('GET', '/v1/stations/W1')).body.level).toBeNull();
    const w1 = (await svc.call('GET', '/v1/admin/stations/W1')).body;
    const res = await svc.call('PUT', '/v1/admin/stations/W1', { body: { ...w1, thresholds: { warning: 33.8, guarantee: 37, record: 38.2 } } });
    expect(res.status).toBe(200);
    await svc.evaluate();
    expect((await svc.call('GET', '/v1/stations/W1')).body.level).toBe('IV');
  });
});

describe('referential checks on delete', () => {
  it('keeps a township with stations', async () => {
    const res = await svc.call('DELETE', '/v1/admin/townships/341881001');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('in_use');
    expect(res.body.error.details.stations).toEqual(expect.arrayContaining(['R1', 'W1']));
  });

  it('keeps a person on a current shift, and the only liaison leader of a township', async () => {
    const onShift = await svc.call('DELETE', '/v1/admin/people/p-duty');
    expect(onShift.status).toBe(409);
    expect(onShift.body.error.message).toMatch(/current or future shift/);
    const sole = await svc.call('DELETE', '/v1/admin/people/p-lead');
    expect(sole.status).toBe(409);
    expect(sole.body.error.message).toMatch(/only liaison leader of (341881001, 341881100|341881100, 341881001)/);
    const assignment = encodeURIComponent('341881001|liaison-leader|p-lead|');
    expect((await svc.call('DELETE', `/v1/admin/assignments/${assignment}`)).status).toBe(409);
    // With a replacement, the assignment (then the person) can go.
    const repl = await svc.call('POST', '/v1/admin/assignments', { body: { townshipId: '341881001', personId: 'p-cmd', role: 'liaison-leader' } });
    expect(repl.status).toBe(201);
    expect((await svc.call('DELETE', `/v1/admin/assignments/${assignment}`)).status).toBe(204);
    expect((await svc.call('GET', `/v1/admin/assignments/${assignment}`)).status).toBe(404);
  });

  it('deletes a person with no duties', async () => {
    const created = await svc.call('POST', '/v1/admin/people', {
      body: { id: 'p-tmp', name: '临时人员', contacts: [{ channel: 'sms', to: '+8613900000000' }] },
    });
    expect(created.status).toBe(201);
    expect((await svc.call('DELETE', '/v1/admin/people/p-tmp')).status).toBe(204);
    expect((await svc.call('DELETE', '/v1/admin/people/p-tmp')).status).toBe(404);
  });
});

describe('audit and roles', () => {
  it('records who changed what, before and after', async () => {
    const res = await svc.call('GET', '/v1/admin/audit?target=townships/341881101');
    expect(res.status).toBe(200);
    const actions = res.body.map((e: any) => e.action);
    expect(actions).toEqual(['townships.update', 'townships.update', 'townships.create']);
    expect(res.body[0]).toMatchObject({ actor: 'bootstrap', role: 'admin', before: { name: '梅林镇（改）' }, after: { name: '梅林镇' } });
    const all = await readAudit(svc.runtime.services.redis, svc.runtime.services.keys, { limit: 100 });
    expect(all.map((e) => e.action)).toEqual(
      expect.arrayContaining(['people.create', 'people.delete', 'assignments.delete', 'gauge-keys.create', 'stations.update']),
    );
  });

  it('lets only admins use the admin API', async () => {
    const duty = (await svc.call('POST', '/v1/admin/tokens', { body: { role: 'duty', personId: 'p-duty' } })).body;
    expect(duty.token).toMatch(/^fxt_/);
    const leader = await svc.call('POST', '/v1/admin/tokens', { body: { role: 'leader' } });
    expect(leader.status).toBe(400);
    const gauge = await svc.gaugeKey();
    for (const [token, status] of [
      [null, 401],
      ['nope', 401],
      [gauge, 403],
      [duty.token, 403],
      ['test-admin-token', 200],
    ] as const) {
      for (const path of ['/v1/admin/townships', '/v1/admin/people', '/v1/admin/audit', '/v1/admin/tokens', '/v1/admin/gauge-keys', '/v1/admin/quarantine']) {
        expect((await svc.call('GET', path, { token })).status, `${path} with ${token}`).toBe(status);
      }
    }
    // A revoked token stops working at once.
    expect((await svc.call('DELETE', `/v1/admin/tokens/${duty.id}`)).status).toBe(204);
    expect((await svc.call('GET', '/v1/townships', { token: duty.token })).status).toBe(401);
    const list = (await svc.call('GET', '/v1/admin/tokens')).body;
    expect(JSON.stringify(list)).not.toContain(duty.token);
  });
});
