/**
 * npm run worker: the workers (evaluation, alerts, notices) and the scheduled duties only, for scale-out. Run as many as
 * there are cores to spare, against the same REDIS_URL as the API processes.
 */
import { ConfigError, loadConfig } from '../src/config/load.js';
import { pingRedis } from '../src/infra/redisServer.js';
import { createLogger, createRuntime } from '../src/runtime.js';
import { loadChannels } from '../src/channels/load.js';

const log = createLogger();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`\nfangxun worker cannot start: bad config file\n  ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
if (!(await pingRedis(redisUrl, 3_000))) {
  console.error(`\nfangxun worker cannot start: no Redis answers at ${redisUrl} (set REDIS_URL)\n`);
  process.exit(1);
}
const runtime = await createRuntime({ config, redisUrl, workers: true, schedulers: true, cron: true, log, channels: loadChannels(config.channels, log) });
log.info({ redisUrl, concurrency: config.service.evaluation.concurrency }, 'fangxun worker running');
const stop = async () => {
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
