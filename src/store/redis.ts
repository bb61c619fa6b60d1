import { Redis, type RedisOptions } from 'ioredis';

/**
 * The one connection factory. `api` connections fail fast when Redis is away (the API
 * answers 503 rather than hang or accept what it cannot store); `worker` connections
 * wait and retry, as BullMQ requires.
 */
export type ConnectionKind = 'api' | 'worker';

export function createRedis(url: string, kind: ConnectionKind, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    connectionName: `fangxun-${kind}`,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  };
  const perKind: RedisOptions =
    kind === 'api'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 5_000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  return new Redis(url, { ...common, ...perKind, ...extra });
}

/** Resolves when the connection is ready, rejects after `timeoutMs`. */
export function waitReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
