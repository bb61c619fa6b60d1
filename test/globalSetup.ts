import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, redisServerInstalled, startRedisServer } from '../src/infra/redisServer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real redis-server for the run, on a free port, in the production shape (AOF on). */
export default async function setup(project: TestProject) {
  if (!redisServerInstalled()) {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (tests run against a real Redis)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'fangxun-test-redis-'));
  const server = await startRedisServer({ port: await freePort(), dir });
  project.provide('redisUrl', server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
