/**
 * npm run sl651: the SL 651 gateway as its own process (scale-out, or a gateway host near the
 * RTUs' network). Listens on SL651_PORT (default 5651) against REDIS_URL.
 */
import { failOnMissingSecret } from '../src/config/secrets.js';
import { requireRedis, startup } from '../src/cli/startup.js';
import { createLogger, createRuntime } from '../src/runtime.js';
import { startGatewayFromEnv } from '../src/gateway/start.js';

const log = createLogger();
const boot = startup('fangxun sl651 gateway');
await requireRedis(boot);
const { config, redisUrl } = boot;
const runtime = await createRuntime({ config, redisUrl, prefix: boot.keys.prefix, log }).catch(failOnMissingSecret(boot.fail));
const gateway = await startGatewayFromEnv(runtime.services, process.env);
const stop = async () => {
  await gateway?.close();
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
