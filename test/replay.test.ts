import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, smallDataset, startService, type TestService } from './helpers.js';

/** npm run replay:storm cannot hurt production: drill deployments only unless --live, and it cleans up its key. */
const run = promisify(execFile);

async function replayAgainst(svc: TestService, args: string[] = []) {
  const server = serve({ fetch: svc.runtime.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const out = await run(process.execPath, ['--import', 'tsx', 'src/cli/replayStorm.ts', '--url', url, '--fast', ...args], {
      env: { ...process.env, FANGXUN_ADMIN_TOKEN: ADMIN_TOKEN },
      timeout: 120_000,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    return out;
  } finally {
    server.close();
  }
}

describe('npm run replay:storm', () => {
  it('refuses a deployment that is not in drill mode and writes nothing', async () => {
    const svc = await startService({ drill: false });
    try {
      await svc.importData(smallDataset());
      const out = await replayAgainst(svc);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/is not in drill mode: a replayed storm would raise real levels/);
      expect((await svc.call('GET', '/v1/admin/gauge-keys')).body).toEqual([]);
      expect((await svc.call('GET', '/v1/stations/R1')).body.latest).toBeNull();
    } finally {
      await svc.close();
    }
  });

  it('replays into a drill deployment and removes the gauge key it made', async () => {
    const svc = await startService({ drill: true, workers: true });
    try {
      await svc.importData(smallDataset());
      const out = await replayAgainst(svc);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain('Township levels now:');
      expect((await svc.call('GET', '/v1/stations/R1')).body.latest).not.toBeNull();
      expect((await svc.call('GET', '/v1/admin/gauge-keys')).body).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});
