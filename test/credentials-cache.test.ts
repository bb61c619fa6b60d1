import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startService, smallDataset, type TestService } from './helpers.js';

/**
 * Each API process keeps a verified gauge key for a second (thousands of posts a second come
 * from a few keys). A key revoked through one process stops working there at once, and in
 * every other process within that second.
 */
let a: TestService;
let b: TestService;

beforeAll(async () => {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  a = await startService({ prefix });
  b = await startService({ prefix }); // a second API process on the same deployment
  await a.importData(smallDataset());
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const reading = (minutesAgo: number) => ({ stationId: 'R1', observedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(), rainfallMm: 0.5 });

describe('a revoked gauge key', () => {
  it('is refused by the process that revoked it at once, and by another within about a second', async () => {
    const created = await a.call('POST', '/v1/admin/gauge-keys', { body: { name: 'revoked soon', stations: ['R1'] } });
    const key = created.body.key as string;
    // Both processes have verified (and now keep) the key.
    expect((await a.call('POST', '/v1/readings', { token: key, body: reading(10) })).status).toBe(202);
    expect((await b.call('POST', '/v1/readings', { token: key, body: reading(11) })).status).toBe(202);
    expect((await a.call('DELETE', `/v1/admin/gauge-keys/${created.body.id}`)).status).toBe(204);
    const revokedAt = Date.now();
    expect((await a.call('POST', '/v1/readings', { token: key, body: reading(12) })).status).toBe(401);
    let status = 0;
    let minute = 13;
    while (Date.now() - revokedAt < 3_000) {
      status = (await b.call('POST', '/v1/readings', { token: key, body: reading(minute++) })).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    // Its kept copy expires at most 1 s after the revocation (it was made before); the rest is the calls' own time.
    expect(Date.now() - revokedAt).toBeLessThan(2_000);
  });
});
