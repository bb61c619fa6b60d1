/**
 * npm run worker: the workers (evaluation, alerts, notices) and the scheduled duties only, for scale-out. Run as many as
 * there are cores to spare, against the same REDIS_URL as the API processes.
 */
import { failOnMissingSecret } from '../src/config/secrets.js';
import { requireRedis, startup } from '../src/cli/startup.js';
import { createLogger, createRuntime } from '../src/runtime.js';
import { loadChannels } from '../src/channels/load.js';

const log = createLogger();
const boot = startup('fangxun worker');
await requireRedis(boot);
const { config, redisUrl } = boot;
const runtime = await createRuntime({
  config,
  redisUrl,
  prefix: boot.keys.prefix,
  workers: true,
  schedulers: true,
  cron: true,
  log,
  channels: loadChannels(config.channels, log),
}).catch(failOnMissingSecret(boot.fail));
log.info({ redisUrl, concurrency: config.service.evaluation.concurrency }, 'fangxun worker running');
const stop = async () => {
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
