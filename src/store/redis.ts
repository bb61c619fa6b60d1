import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * The one connection factory. `api` connections fail fast when Redis is away (the API
 * answers 503 rather than hang or accept what it cannot store); `worker` connections
 * wait and retry, as BullMQ requires.
 *
 * `REDIS_URL` is either one Redis (`redis://host:6379`, `rediss://…`) or a Redis Cluster:
 * `redis-cluster://[user:password@]host:port[,host:port…]` (any reachable nodes; the
 * client learns the rest). A cluster client answers the same commands; the code sends
 * multi-slot batches through `store/batch.ts`.
 */
export type ConnectionKind = 'api' | 'worker';

const CLUSTER_SCHEME = 'redis-cluster://';

export function isClusterUrl(url: string): boolean {
  return url.startsWith(CLUSTER_SCHEME);
}

/** Seed nodes and credentials of a `redis-cluster://` URL. */
export function parseClusterUrl(url: string): { nodes: Array<{ host: string; port: number }>; username?: string; password?: string } {
  let rest = url.slice(CLUSTER_SCHEME.length).replace(/\/.*$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth) || undefined;
    password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined;
  }
  const nodes = rest
    .split(',')
    .filter(Boolean)
    .map((hp) => {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hp.trim());
      if (!m) throw new Error(`REDIS_URL: "${hp}" is not host:port (expected redis-cluster://host:port,host:port)`);
      return { host: m[1]!, port: Number(m[2]) };
    });
  if (nodes.length === 0) throw new Error('REDIS_URL: redis-cluster:// names no node (expected redis-cluster://host:port,host:port)');
  return { nodes, username, password };
}

export function createRedis(url: string, kind: ConnectionKind, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    connectionName: `fangxun-${kind}`,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  };
  const perKind: RedisOptions =
    kind === 'api' ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 5_000 } : { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (isClusterUrl(url)) return createCluster(url, { ...common, ...perKind, ...extra });
  return new Redis(url, { ...common, ...perKind, ...extra });
}

/**
 * A cluster client, typed as `Redis`: the commands this service uses have the same shape on
 * both (node-local commands such as SCAN, INFO or FLUSHDB are not used on this connection).
 */
function createCluster(url: string, options: RedisOptions): Redis {
  const { nodes, username, password } = parseClusterUrl(url);
  const { enableOfflineQueue, retryStrategy, ...redisOptions } = options;
  const cluster = new Cluster(nodes, {
    redisOptions: { ...redisOptions, username, password },
    // Commands sent in the same tick go out together, grouped per node (see store/batch.ts).
    enableAutoPipelining: true,
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: true,
    scaleReads: 'master',
    clusterRetryStrategy: (times) => (retryStrategy ? (retryStrategy(times) ?? null) : Math.min(100 * times, 2_000)),
    // A failover moves slots: follow MOVED/ASK and retry while the cluster settles.
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 200,
    slotsRefreshTimeout: 2_000,
  });
  return cluster as unknown as Redis;
}

/** Resolves when the connection is ready, rejects after `timeoutMs` (a cluster client first fetches the slot map from a node, which can take seconds on a loaded machine). */
export function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
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
