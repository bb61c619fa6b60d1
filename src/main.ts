/**
 * npm start: the whole service in one process (HTTP API, evaluation workers, schedulers)
 * on PORT against REDIS_URL. With `--api`, the API only (workers run as `npm run worker`).
 * When no Redis answers at a local REDIS_URL and redis-server is installed, a local one is
 * started with its data under ./data (AOF on).
 */
import { failOnMissingSecret } from './config/secrets.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { startup } from './cli/startup.js';
import { localTarget, pingRedis, redisServerInstalled, startRedisServer, type LocalRedis } from './infra/redisServer.js';
import { importDatasetFile } from './reference/file.js';
import { describeIssues } from './lib/issues.js';
import { createLogger, createRuntime } from './runtime.js';
import { createRedis, waitReady } from './store/redis.js';
import { withScripts } from './store/scripts.js';
import { ReferenceStore } from './reference/store.js';
import { loadChannels } from './channels/load.js';
import { startGatewayFromEnv } from './gateway/start.js';
import { readEnv } from './config/env.js';

const log = createLogger();
const apiOnly = process.argv.includes('--api');
const env = readEnv();
const port = env.port;
const { config, redisUrl, keys, fail } = startup('fangxun');

let localRedis: LocalRedis | null = null;
if (!(await pingRedis(redisUrl))) {
  const target = localTarget(redisUrl) ?? fail(`no Redis answers at ${redisUrl}. Check REDIS_URL and that the server is up.`);
  if (!redisServerInstalled()) {
    fail(
      `no Redis answers at ${redisUrl} and redis-server is not installed. Either:\n` +
        `  docker compose up -d redis          # Redis 7 with AOF, as in production\n` +
        `  sudo apt-get install redis-server   # then run npm start again; it starts one under ./data`,
    );
  }
  const dir = env.dataDir ?? join(process.cwd(), 'data');
  log.info({ port: target.port, dir }, 'no Redis answered; starting a local redis-server (AOF on)');
  localRedis = await startRedisServer({ port: target.port, dir });
}

let adminToken = env.adminToken;
if (!adminToken) {
  adminToken = randomBytes(18).toString('base64url');
  log.warn('FANGXUN_ADMIN_TOKEN is not set; an admin token for this run only was generated');
  console.error(`\n  admin token for this run: ${adminToken}\n  (set FANGXUN_ADMIN_TOKEN to choose your own)\n`);
}

// The demo data goes into an empty database before anything runs, and marks it as a demo
// database: messages then go to the drill outbox (GET /v1/admin/outbox), never to a provider.
const demo = join(config.dir, 'demo', 'ningguo.yaml');
const probe = withScripts(createRedis(redisUrl, 'api'));
await waitReady(probe);
const reference = new ReferenceStore(probe, keys);
if (env.demo && existsSync(demo) && (await reference.isEmpty())) {
  const result = await importDatasetFile(reference, demo, 'demo');
  if (result.ok) {
    await probe.set(keys.demoMarker(), new Date().toISOString());
    log.info({ file: demo, counts: result.counts }, 'empty database: demo data loaded (drill mode: messages go to GET /v1/admin/outbox)');
  } else log.error({ file: demo }, `demo data not loaded: ${describeIssues(result.issues)}`);
}
probe.disconnect();

const runtime = await createRuntime({
  config,
  redisUrl,
  prefix: keys.prefix,
  adminToken,
  workers: !apiOnly,
  schedulers: true,
  cron: true,
  log,
  channels: loadChannels(config.channels, log),
}).catch(failOnMissingSecret(fail));

const gateway = apiOnly
  ? null
  : await startGatewayFromEnv(runtime.services).catch((err: unknown) => fail(`the SL 651 gateway could not start: ${(err as Error).message}`));

const server = serve({ fetch: runtime.app.fetch, port }, (info) => {
  log.info({ port: info.port, redisUrl, workers: !apiOnly }, `fangxun listening on http://127.0.0.1:${info.port}`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  server.close();
  await gateway?.close();
  await runtime.close();
  await localRedis?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
