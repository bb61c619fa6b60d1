import { Keys } from '../store/keys.js';
import { createRedis } from '../store/redis.js';

/**
 * Resolves once nothing is dirty or claimed at the Redis of `redisUrl`: every reading
 * accepted so far is evaluated. For tools, benchmarks and tests that must wait for the
 * workers; rejects after `timeoutMs`, saying how much is left.
 */
export async function waitForEvaluation(redisUrl: string, opts: { prefix?: string; timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
  const keys = new Keys(opts.prefix ?? 'fx');
  const redis = createRedis(redisUrl, 'worker');
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const [dirty, inflight] = await Promise.all([redis.zcard(keys.dirty()), redis.zcard(keys.inflight())]);
      if (dirty === 0 && inflight === 0) return;
      if (Date.now() > deadline) throw new Error(`evaluation did not drain: ${dirty} dirty, ${inflight} in flight`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
    }
  } finally {
    redis.disconnect();
  }
}
