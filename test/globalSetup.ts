import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, redisServerInstalled, startRedisCluster, startRedisServer } from '../src/infra/redisServer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real redis-server (or a 3-node cluster) for the run, on free ports, in the production shape (AOF on). */
export default async function setup(project: TestProject) {
  if (!redisServerInstalled()) {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (tests run against a real Redis)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'fangxun-test-redis-'));
  // FANGXUN_TEST_REDIS=cluster runs the suite against a local 3-node Redis Cluster (`npm run test:cluster`).
  const server =
    process.env.FANGXUN_TEST_REDIS === 'cluster' ? await startRedisCluster({ size: 3, dir }) : await startRedisServer({ port: await freePort(), dir });
  project.provide('redisUrl', server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
