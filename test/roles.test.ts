import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/http/openapi.js';
import { smallDataset, startService, type TestService } from './helpers.js';

/**
 * The roles an operation documents are the roles it is served to (src/http/auth.ts guardOperations):
 * for every documented operation that is not public, no token answers 401 and a token of every role the
 * operation does not name answers 403, before the handler runs.
 */
describe('roles come from the operation registry', () => {
  let svc: TestService;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    svc = await startService();
    await svc.importData(smallDataset());
    tokens.duty = await svc.token('duty');
    tokens.leader = await svc.token('leader', smallDataset().people[0]!.id);
    tokens.gauge = await svc.gaugeKey();
  });
  afterAll(() => svc?.close());

  it('refuses every role an operation does not document, and anyone without a token', async () => {
    let checked = 0;
    for (const op of OPERATIONS) {
      if (op.roles.includes('none')) continue;
      const path = op.path.replace(/\{\w+\}/g, 'x');
      const method = op.method.toUpperCase();
      const body = method === 'GET' ? undefined : {};
      const anonymous = await svc.call(method, path, { token: null, body });
      expect(anonymous.status, `${method} ${op.path} without a token`).toBe(401);
      for (const role of ['duty', 'leader', 'gauge'] as const) {
        if ((op.roles as readonly string[]).includes(role)) continue;
        const res = await svc.call(method, path, { token: tokens[role]!, body });
        expect(res.status, `${method} ${op.path} as ${role}`).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
