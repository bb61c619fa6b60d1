import type { Redis } from 'ioredis';

/** A pipeline-shaped batch of commands: queue commands, then `exec()` → `[error, reply][]`. */
export type Batch = ReturnType<Redis['pipeline']>;

/** True for an ioredis `Cluster` client (see `createRedis`). */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

/**
 * Sends many independent commands in as few round trips as the deployment allows.
 *
 * On one Redis this is a plain pipeline. On a Redis Cluster a pipeline must stay within one
 * node, and a batch here spans stations and townships (many slots), so the commands are
 * sent one by one and the cluster client's auto-pipelining groups them per node. Either
 * way: the replies come back in order, one `[error, reply]` per command, and commands of a
 * batch must not depend on each other's order (on a cluster they run on different nodes).
 */
export function batch(redis: Redis): Batch {
  if (!isCluster(redis)) return redis.pipeline();
  const calls: Array<[string, unknown[]]> = [];
  const target = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const proxy: Batch = new Proxy({} as Batch, {
    get(_, prop) {
      if (prop === 'exec') {
        return () =>
          Promise.all(
            calls.map(([name, args]) =>
              target[name]!(...args).then(
                (reply): [Error | null, unknown] => [null, reply],
                (err: Error): [Error | null, unknown] => [err, null],
              ),
            ),
          );
      }
      if (prop === 'length') return calls.length;
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      if (typeof target[prop] !== 'function') throw new Error(`batch: no Redis command "${prop}"`);
      return (...args: unknown[]) => {
        calls.push([prop, args]);
        return proxy;
      };
    },
  });
  return proxy;
}
