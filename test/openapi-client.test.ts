import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import openapiTS, { astToString } from 'openapi-typescript';
import { startService, smallDataset, beijing, type TestService } from './helpers.js';

/**
 * A client generated from the served OpenAPI document with openapi-typescript (types) and
 * openapi-fetch (the typed fetch client over them) must typecheck against a small real use,
 * must refuse a wrong use, and the same use must work against the running service. The types
 * are generated from the document of this run, so they cannot be stale.
 */
const DIR = resolve('test-artifacts/openapi-client');
let svc: TestService;
beforeAll(async () => {
  svc = await startService();
  await svc.importData(smallDataset());
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
});
afterAll(async () => {
  await svc.close();
  rmSync(DIR, { recursive: true, force: true });
});

const USE = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

/** What an integrator writes: post a reading, read the station back. */
export async function use(baseUrl: string, fetch: (req: Request) => Promise<Response>, gaugeKey: string, adminToken: string, observedAt: string) {
  const client = createClient<paths>({ baseUrl, fetch });
  const posted = await client.POST('/v1/readings', { body: { stationId: 'W1', observedAt, waterLevelM: 35.9 }, headers: { authorization: \`Bearer \${gaugeKey}\` } });
  const accepted: number | undefined = posted.data?.accepted;
  const station = await client.GET('/v1/stations/{id}', { params: { path: { id: 'W1' } }, headers: { authorization: \`Bearer \${adminToken}\` } });
  const level: number | null | undefined = station.data?.latest?.waterLevelM;
  const upToDate: boolean | undefined = station.data?.upToDate;
  const missing = await client.GET('/v1/stations/{id}', { params: { path: { id: 'NOPE' } }, headers: { authorization: \`Bearer \${adminToken}\` } });
  const code: string | undefined = missing.error?.error.code;
  return { accepted, level, upToDate, code };
}
`;

function typecheck(files: string[]) {
  const tsc = resolve('node_modules/typescript/bin/tsc');
  const args = [
    '--noEmit',
    '--strict',
    '--target',
    'ES2022',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--skipLibCheck',
    '--types',
    'node',
    ...files,
  ];
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: DIR, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('a client generated from the OpenAPI document', () => {
  it('typechecks against a real use, refuses a wrong one, and works against the service', async () => {
    const doc = (await svc.call('GET', '/openapi.json', { token: null })).body;
    writeFileSync(join(DIR, 'api.d.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(DIR, 'use.ts'), USE);
    writeFileSync(join(DIR, 'package.json'), JSON.stringify({ type: 'module' }));
    // A wrong field, a reading without a measurement and a wrong path parameter must not typecheck.
    writeFileSync(
      join(DIR, 'wrong.ts'),
      USE.replace('station.data?.latest?.waterLevelM', 'station.data?.latest?.waterLevel')
        .replace(', waterLevelM: 35.9 }', ' }')
        .replace("path: { id: 'NOPE' }", "path: { station: 'NOPE' }"),
    );
    const good = typecheck(['use.ts']);
    expect(good.output).toBe('');
    expect(good.status).toBe(0);
    const wrong = typecheck(['wrong.ts']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/wrong\.ts\(\d+,\d+\): error TS2551: Property 'waterLevel' does not exist/);
    expect(wrong.output).toMatch(/Property 'waterLevelM' is missing in type '\{ stationId: string; observedAt: string; \}'/); // a reading without a measurement
    expect(wrong.output).toMatch(/'station' does not exist/);

    const { use } = (await import(join(DIR, 'use.ts'))) as { use: (...a: unknown[]) => Promise<Record<string, unknown>> };
    const app = svc.runtime.app;
    const run = async (key: string, at: string) => use('http://fangxun.test', (req: Request) => Promise.resolve(app.fetch(req)), key, 'test-admin-token', at);
    const key = await svc.gaugeKey();
    const at = beijing(Date.now() - 60_000);
    expect(await run(key, at)).toEqual({ accepted: 1, level: undefined, upToDate: false, code: 'not_found' }); // not evaluated yet
    await svc.evaluate();
    expect(await run(key, at)).toEqual({ accepted: 0, level: 35.9, upToDate: true, code: 'not_found' }); // the resend is a duplicate
  });
});
