import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { freePort, startRedisServer, type LocalRedis } from '../src/infra/redisServer.js';
import { createRuntime } from '../src/runtime.js';
import { naivePipeline } from '../bench/naive-pipeline.js';
import { ADMIN_TOKEN, TEST_ENV, testConfig } from './helpers.js';

/**
 * Every Redis client a process opens is closed when it closes: a client left behind keeps
 * retrying a Redis that is gone ("[ioredis] Unhandled error event: ECONNREFUSED" in the benches,
 * a process that does not exit). Checked on a Redis of this file's own, where CLIENT LIST names
 * every connection: after close, only the checking connection is left.
 */
let redis: LocalRedis;
let dir: string;
let checker: Redis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fangxun-conn-'));
  redis = await startRedisServer({ port: await freePort(), dir });
  checker = new Redis(redis.url);
});

afterAll(async () => {
  checker?.disconnect();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Other connections than the checker's, waiting up to 2 s for closing sockets to go. */
async function othersLeft(): Promise<string[]> {
  const myId = Number(await checker.client('ID'));
  let others: string[] = [];
  for (let i = 0; i < 40; i++) {
    const list = String(await checker.client('LIST'))
      .trim()
      .split('\n');
    others = list
      .filter((line) => Number(/\bid=(\d+)/.exec(line)?.[1]) !== myId)
      .map((line) => `${/\bname=(\S*)/.exec(line)?.[1] || '(unnamed)'} ${/\bcmd=(\S*)/.exec(line)?.[1]}`);
    if (others.length === 0) return others;
    await new Promise((r) => setTimeout(r, 50));
  }
  return others;
}

describe('Redis connections are closed', () => {
  it('a whole service (API, workers, schedulers) leaves none open after close()', async () => {
    const runtime = await createRuntime({
      config: testConfig(),
      redisUrl: redis.url,
      prefix: 'conn',
      adminToken: ADMIN_TOKEN,
      env: TEST_ENV,
      workers: true,
      schedulers: true,
      log: pino({ level: 'silent' }),
    });
    // Used, so lazily made connections (BullMQ's blocking ones) exist before the check.
    const res = await runtime.app.request('/healthz');
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await othersLeft()).length).toBeGreaterThan(0); // the check sees the service's connections
    await runtime.close();
    expect(await othersLeft()).toEqual([]);
  });

  it("the bench's P2 baseline (BullMQ queue and worker) leaves none open", async () => {
    const rate = await naivePipeline(redis.url, 200, 100, 10);
    expect(rate).toBeGreaterThan(0);
    expect(await othersLeft()).toEqual([]);
  });
});
