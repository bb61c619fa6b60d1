import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startService, smallDataset, beijing, type TestService } from './helpers.js';

/** Reference data import: all or nothing, idempotent, with row-level errors. */
const NOW = Date.parse('2026-07-05T14:00:00+08:00');
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ now: () => NOW });
});
afterAll(() => svc.close());

const importJson = (body: unknown) => svc.call('POST', '/v1/admin/import', { body });

describe('POST /v1/admin/import', () => {
  it('refuses the whole dataset when one row is wrong, listing every problem by path', async () => {
    const data = smallDataset();
    data.stations.push({ id: 'X1', name: '无主站', kind: 'rain', townshipId: '999999999' });
    data.assignments.push({ townshipId: '341881001', personId: 'nobody', role: 'liaison-leader' });
    data.stations.push({ ...data.stations[0]!, name: 'dup' });
    const res = await importJson(data);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('import_rejected');
    const paths = res.body.error.details.map((d: any) => `${d.path}: ${d.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stations\[4\]\.townshipId: .*999999999/),
        expect.stringMatching(/^assignments\[1\]\.personId: .*nobody/),
        expect.stringMatching(/^stations\[5\]: duplicates stations\[0\]/),
      ]),
    );
    // Nothing at all was written.
    expect((await svc.call('GET', '/v1/townships')).body).toEqual([]);
  });

  it('refuses schema errors with readable paths', async () => {
    const res = await importJson({ townships: [{ id: '341881001' }], stations: [{ id: 'S', name: 'x', kind: 'lake', townshipId: '341881001' }] });
    expect(res.status).toBe(422);
    const paths = res.body.error.details.map((d: any) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['townships[0].name', 'stations[0].kind']));
  });

  it('imports, then imports the same again as unchanged, then counts an update', async () => {
    const first = await importJson(smallDataset());
    expect(first.status).toBe(200);
    expect(first.body.counts.townships).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(first.body.counts.stations).toEqual({ created: 4, updated: 0, unchanged: 0 });
    const again = await importJson(smallDataset());
    expect(again.body.counts.stations).toEqual({ created: 0, updated: 0, unchanged: 4 });
    expect(again.body.dirtyStations).toBe(0);
    const changed = smallDataset();
    changed.stations[2]!.thresholds = { warning: 33.0, guarantee: 37.0, record: 38.2 };
    const third = await importJson({ stations: [changed.stations[2]] });
    expect(third.body.counts.stations).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(third.body.dirtyStations).toBe(1);
  });

  it('re-evaluates a station whose thresholds changed', async () => {
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(NOW - 60_000), waterLevelM: 33.2 } });
    await svc.evaluate();
    expect((await svc.call('GET', '/v1/stations/W1')).body.level).toBe('IV'); // warning is 33.0 now
    const restored = smallDataset().stations[2]!;
    await importJson({ stations: [restored] });
    await svc.evaluate();
    expect((await svc.call('GET', '/v1/stations/W1')).body.level).toBeNull();
  });

  it('takes YAML and points at the line of a problem', async () => {
    const yaml = [
      'townships:',
      '  - id: "341881002"',
      '    name: 河沥溪街道',
      'stations:',
      '  - id: R9',
      '    name: 河沥溪雨量站',
      '    kind: rain',
      '    townshipId: "341881002"',
      '    intervalMinutes: -5',
      '',
    ].join('\n');
    const bad = await svc.call('POST', '/v1/admin/import', { raw: yaml, contentType: 'application/yaml' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'stations[0].intervalMinutes', line: 9 });
    const good = await svc.call('POST', '/v1/admin/import', { raw: yaml.replace('-5', '5'), contentType: 'application/yaml' });
    expect(good.status).toBe(200);
    expect(good.body.counts.stations.created).toBe(1);
    const broken = await svc.call('POST', '/v1/admin/import', { raw: 'townships: [', contentType: 'application/yaml' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_yaml');
  });

  it('is for admins only', async () => {
    const key = await svc.gaugeKey();
    expect((await svc.call('POST', '/v1/admin/import', { token: key, body: smallDataset() })).status).toBe(403);
    expect((await svc.call('POST', '/v1/admin/import', { token: null, body: smallDataset() })).status).toBe(401);
  });
});

describe('npm run import', () => {
  it('imports a file into the Redis at REDIS_URL and lists problems with lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fangxun-import-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify(smallDataset()));
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'townships:\n  - id: "1"\n    name: 某镇\n    commandPost: { lat: 95, lon: 118 }\n');
      const env = { ...process.env, REDIS_URL: inject('redisUrl'), FANGXUN_KEY_PREFIX: 'cli-import-test' };
      const ok = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', good], { env, encoding: 'utf8', timeout: 30_000 });
      expect(ok.stdout).toMatch(/good\.json: imported \(townships \+2 ~0 =0, stations \+4/);
      expect(ok.status).toBe(0);
      const fail = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', bad], { env, encoding: 'utf8', timeout: 30_000 });
      expect(fail.status).toBe(1);
      expect(fail.stderr).toMatch(/bad\.yaml: nothing imported, 1 problem\(s\):\n\s+townships\[0\]\.commandPost\.lat \(line 4\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
