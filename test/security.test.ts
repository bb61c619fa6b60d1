import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { allKeys, startService, alertDataset, type TestService } from './helpers.js';
import { OPERATIONS } from '../src/http/openapi.js';

/**
 * Every route × every kind of caller: 401 without a valid token, 403 with the wrong role,
 * through with the right one (the role table in the OpenAPI document is the contract, and
 * the OpenAPI test makes sure it lists every route). Then random bodies and queries at
 * every endpoint: never a 5xx, always the error shape.
 */
// A fixed seed keeps CI deterministic; FC_SEED=<n> FC_RUNS=<n> explore further by hand.
const SEED = 20260705;
let svc: TestService;
const tokens: Record<string, string | null> = { none: null };
beforeAll(async () => {
  svc = await startService();
  await svc.importData(alertDataset('http://hooks.test'));
  tokens.gauge = await svc.gaugeKey();
  for (const role of ['duty', 'leader', 'admin'] as const) {
    const res = await svc.call('POST', '/v1/admin/tokens', { body: { role, personId: 'p-lead' } });
    tokens[role] = res.body.token;
  }
});
afterAll(() => svc.close());

const concrete = (path: string) => path.replace(/\{(\w+)\}/g, 'x-unknown');

// Answer links carry their own signed token in the path (tested in the alert tests);
// /readyz answers 503 by design when no worker runs.
const TABLE = OPERATIONS.filter((o) => !o.path.startsWith('/a/') && o.path !== '/v1/duty.ics'); // token in the path or query: tested in their own suites
const NOT_SHAPED = new Set(['/readyz', '/metrics']);

describe('route × role table', () => {
  for (const op of TABLE) {
    it(`${op.method.toUpperCase()} ${op.path}`, async () => {
      for (const caller of ['none', 'gauge', 'leader', 'duty', 'admin']) {
        const allowed = op.roles.includes('none') || op.roles.includes(caller as never);
        const res = await svc.call(op.method.toUpperCase(), concrete(op.path), { token: tokens[caller], body: op.body ? {} : undefined });
        if (allowed) expect([401, 403], `${caller} should get through`).not.toContain(res.status);
        else expect(res.status, `${caller} must be refused`).toBe(caller === 'none' ? 401 : 403);
        if (res.status >= 400 && !NOT_SHAPED.has(op.path)) {
          expect(res.body.error, `${caller}: error shape`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        }
      }
    });
  }

  it('refuses forged, malformed and revoked tokens alike', async () => {
    for (const bad of ['fxt_forged', 'Bearer', '', 'x'.repeat(5000)]) {
      expect((await svc.call('GET', '/v1/townships', { token: bad || null })).status).toBe(401);
    }
  });
});

describe('bad input never gives a 5xx', () => {
  const withBodies = OPERATIONS.filter((o) => o.method !== 'get' && !o.path.startsWith('/a/'));
  it('random JSON bodies at every endpoint that takes one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBodies), fc.jsonValue({ maxDepth: 3 }), async (op, body) => {
        const res = await svc.call(op.method.toUpperCase(), concrete(op.path).replace('x-unknown', '341881001'), { token: tokens.admin, body });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150), seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : SEED },
    );
  });

  it('random raw bodies and content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withBodies),
        fc.string({ maxLength: 200 }),
        fc.constantFrom('application/json', 'text/plain', 'application/yaml', 'text/csv', 'application/x-www-form-urlencoded'),
        async (op, raw, contentType) => {
          const res = await svc.call(op.method.toUpperCase(), concrete(op.path), { token: tokens.admin, raw, contentType });
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 150), seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : SEED },
    );
  });

  it('random query strings at every GET', async () => {
    const gets = OPERATIONS.filter((o) => o.method === 'get' && !o.path.includes('{token}') && !NOT_SHAPED.has(o.path));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...gets),
        fc.dictionary(fc.constantFrom('limit', 'from', 'to', 'status', 'townshipId', 'kind', 'stationId', 'target'), fc.string({ maxLength: 30 })),
        async (op, query) => {
          const qs = new URLSearchParams(query).toString();
          const res = await svc.call('GET', `${concrete(op.path)}?${qs}`, { token: tokens.admin });
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 150), seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : SEED },
    );
  });
});

describe('secrets and answer links', () => {
  it('stores keys and tokens only as hashes', async () => {
    const { redis } = svc.runtime.services;
    const key = await svc.gaugeKey();
    const token = (await svc.token('duty')) as string;
    const everything: string[] = [];
    for (const k of await allKeys(redis)) {
      const type = await redis.type(k);
      if (type === 'hash') everything.push(JSON.stringify(await redis.hgetall(k)));
      else if (type === 'string') everything.push(String(await redis.get(k)));
    }
    const dump = everything.join('\n');
    // The scan saw the credentials (their hashes), and neither secret in the clear.
    expect(dump).toContain(createHash('sha256').update(key).digest('hex'));
    expect(dump).toContain(createHash('sha256').update(token).digest('hex'));
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(token);
  });

  it('refuses answer links that are forged, expired, or for someone else; a replay changes nothing', async () => {
    const links = svc.runtime.services.links.signer; // links signed before short codes existed keep working
    const now = Date.now();
    await svc.call('POST', '/v1/townships/341881001/declare', { body: { level: 'IV', notice: '测〔2026〕1号', reason: 'test' } });
    const alertId = (await svc.call('GET', '/v1/townships/341881001')).body.response.calloutId as string;
    const post = (token: string) => svc.runtime.app.request(`/a/${token}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) });
    const expired = links.sign({ alertId, personId: 'p-lead', expiresAt: now - 1_000 });
    expect((await post(expired)).status).toBe(403);
    expect(await (await svc.runtime.app.request(`/a/${expired}`)).text()).toContain('链接已过期');
    const stranger = links.sign({ alertId, personId: 'p-nobody', expiresAt: now + 60_000 });
    expect((await post(stranger)).status).toBe(403);
    const good = links.sign({ alertId, personId: 'p-lead', expiresAt: now + 60_000 });
    const [payload] = good.split('.');
    expect((await post(`${payload}.AAAA`)).status).toBe(403);
    expect((await post(good)).status).toBe(200);
    const replay = await post(good);
    expect(await replay.text()).toContain('此前已确认');
    const alert = (await svc.call('GET', `/v1/alerts/${alertId}`)).body;
    expect(alert.timeline.filter((t: any) => t.type === 'acknowledged' && t.personId === 'p-lead')).toHaveLength(1);
  });
});
