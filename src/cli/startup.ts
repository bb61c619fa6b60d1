/**
 * What every process entry point (npm start, npm run worker, npm run sl651, npm run import)
 * checks before it starts: the config files, REDIS_URL and FANGXUN_KEY_PREFIX. A problem ends
 * the process with one plain sentence naming what to fix, never a stack trace.
 */
import { ConfigError, loadConfig, type AppConfig } from '../config/load.js';
import { pingRedis } from '../infra/redisServer.js';
import { Keys } from '../store/keys.js';
import { isClusterUrl, parseClusterUrl } from '../store/redis.js';
import { readEnv } from '../config/env.js';

export interface Startup {
  config: AppConfig;
  redisUrl: string;
  keys: Keys;
  /** Ends the process with `<what> cannot start: <message>`. */
  fail(message: string): never;
}

/** `what`: how the process is named in messages ("fangxun", "fangxun worker", …). */
export function startup(what: string): Startup {
  const fail = (message: string): never => {
    console.error(`\n${what} cannot start: ${message}\n`);
    process.exit(1);
  };
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`bad config file\n  ${err.message}`);
    throw err;
  }
  const env = readEnv();
  const redisUrl = env.redisUrl;
  if (isClusterUrl(redisUrl)) {
    try {
      parseClusterUrl(redisUrl);
    } catch (err) {
      fail((err as Error).message);
    }
  } else if (!/^rediss?:\/\//.test(redisUrl)) {
    fail(`REDIS_URL "${redisUrl}" is not a Redis URL: redis://host:6379, rediss://… or redis-cluster://host:port,host:port`);
  }
  let keys: Keys;
  try {
    keys = new Keys(env.keyPrefix);
  } catch (err) {
    fail(`FANGXUN_KEY_PREFIX: ${(err as Error).message}`);
  }
  return { config: config!, redisUrl, keys: keys!, fail };
}

/** Ends the process when no Redis answers at REDIS_URL (processes that do not start one). */
export async function requireRedis(s: Startup, timeoutMs = 3_000): Promise<void> {
  if (!(await pingRedis(s.redisUrl, timeoutMs))) s.fail(`no Redis answers at ${s.redisUrl} (set REDIS_URL)`);
}
