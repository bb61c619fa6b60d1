import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/** What /readyz asks the store: does it take writes, and how long have readings waited for evaluation. */
export class HealthProbe {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Writes a short-lived key: a Redis out of memory answers PING but refuses this. */
  async write(now: number): Promise<void> {
    await this.redis.set(this.keys.readyProbe(), String(now), 'PX', 60_000);
  }

  /** When the oldest reading still waiting for evaluation was marked (ms), or null when none waits. */
  async oldestWaiting(): Promise<number | null> {
    const oldest = await this.redis.zrange(this.keys.dirty(), 0, 0, 'WITHSCORES');
    return oldest[1] ? Number(oldest[1]) : null;
  }
}
