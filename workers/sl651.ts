/**
 * npm run sl651: the SL 651 gateway as its own process (scale-out, or a gateway host near the
 * RTUs' network). Listens on SL651_PORT (default 5651) against REDIS_URL.
 */
import { ConfigError, loadConfig } from '../src/config/load.js';
import { pingRedis } from '../src/infra/redisServer.js';
import { createLogger, createRuntime } from '../src/runtime.js';
import { startGatewayFromEnv } from '../src/gateway/start.js';

const log = createLogger();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`\nfangxun sl651 gateway cannot start: bad config file\n  ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
if (!(await pingRedis(redisUrl, 3_000))) {
  console.error(`\nfangxun sl651 gateway cannot start: no Redis answers at ${redisUrl} (set REDIS_URL)\n`);
  process.exit(1);
}
const runtime = await createRuntime({ config, redisUrl, log });
const gateway = await startGatewayFromEnv(runtime.services, { ...process.env, SL651_PORT: process.env.SL651_PORT ?? '5651' });
const stop = async () => {
  await gateway?.close();
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
