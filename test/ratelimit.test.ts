import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, testConfig, type TestService } from './helpers.js';
import { TokenBuckets } from '../src/http/rateLimit.js';

/**
 * Rate limits protect without blocking: keyed by the socket's address (X-Forwarded-For only from
 * trusted proxies), answer links per link and client, sign-in per client and globally.
 */
let svc: TestService;
beforeAll(async () => {
  svc = await startService({
    config: testConfig((c) => {
      Object.assign(c.service.rateLimit, { anonymous: 3, answerLink: 4, login: 3, loginFailures: 6 });
      c.service.trustedProxies = ['10.0.0.0/8'];
    }),
  });
});
afterAll(() => svc.close());

/** A request arriving on a socket from `address`, as @hono/node-server hands it to the app. */
async function from(address: string, path: string, init: RequestInit = {}): Promise<number> {
  const res = await svc.runtime.app.request(path, init, { incoming: { socket: { remoteAddress: address } } });
  await res.arrayBuffer();
  return res.status;
}
async function statuses(n: number, fn: (i: number) => Promise<number>) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
}
const login = (address: string, token: string) =>
  from(address, '/board/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(token)}`,
  });

describe('client address', () => {
  it('keys anonymous callers by the socket; a made-up X-Forwarded-For does not dodge the limit', async () => {
    const got = await statuses(5, (i) => from('203.0.113.7', '/v1/townships', { headers: { 'x-forwarded-for': `198.51.100.${i}` } }));
    expect(got).toEqual([401, 401, 401, 429, 429]);
    expect(await from('203.0.113.8', '/v1/townships')).toBe(401); // another address has its own bucket
  });

  it('believes X-Forwarded-For from a trusted proxy only, taking the right-most untrusted hop', async () => {
    const viaProxy = (xff: string) => from('10.1.2.3', '/v1/townships', { headers: { 'x-forwarded-for': xff } });
    expect(await statuses(4, () => viaProxy('192.0.2.10'))).toEqual([401, 401, 401, 429]);
    expect(await viaProxy('192.0.2.11')).toBe(401); // a different client behind the same proxy
    // A client prepending a fake hop is still keyed by what the proxy saw.
    expect(await viaProxy('192.0.2.99, 192.0.2.10')).toBe(429);
  });
});

describe('answer links', () => {
  it('one client flooding made-up links or another link never blocks a genuine link', async () => {
    const links = svc.runtime.services.links;
    const mine = links.signer.sign({ alertId: 'x~1', personId: 'p-a', expiresAt: Date.now() + 3_600_000 });
    const theirs = links.signer.sign({ alertId: 'x~1', personId: 'p-b', expiresAt: Date.now() + 3_600_000 });
    // Junk from the NAT address everyone shares exhausts its anonymous bucket…
    expect((await statuses(5, (i) => from('203.0.113.50', `/a/junk${i}.x`))).at(-1)).toBe(429);
    // …and someone hammers their own link from there too.
    expect((await statuses(6, () => from('203.0.113.50', `/a/${theirs}`))).at(-1)).toBe(429);
    // The leader behind the same address still opens theirs (404: the test alert does not exist).
    expect(await from('203.0.113.50', `/a/${mine}`)).toBe(404);
    expect(await from('203.0.113.51', `/a/${theirs}`)).toBe(404); // the flooded link from elsewhere
  });
});

describe('sign-in', () => {
  it('limits sign-in attempts per client and wrong tokens over all clients', async () => {
    expect(await statuses(4, () => login('198.18.0.1', 'wrong'))).toEqual([302, 302, 302, 429]);
    // Wrong tokens from many addresses: after loginFailures (6) in all, every sign-in waits.
    for (let i = 2; i <= 4; i++) await login(`198.18.0.${i}`, 'wrong');
    expect(await login('198.18.0.9', 'test-admin-token')).toBe(429);
  });
});

describe('bucket memory', () => {
  it('stays bounded without resetting the buckets in use', () => {
    let t = 0;
    const buckets = new TokenBuckets(() => t, 100);
    expect([buckets.take('flooder', 2), buckets.take('flooder', 2)]).toEqual([0, 0]);
    for (let i = 0; i < 1_000; i++) {
      buckets.take(`caller-${i}`, 2);
      if (i % 50 === 0) expect(buckets.take('flooder', 2)).toBeGreaterThan(0); // still limited
      t += 1;
    }
    expect(buckets.size).toBeLessThanOrEqual(100);
  });
});
