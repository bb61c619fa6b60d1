import type { Keys } from '../store/keys.js';
import type { ScriptedRedis } from '../store/scripts.js';

/**
 * The N of GB/T 35965.1 identifiers (`<office>_<YYYYMMDDhhmmss>_<N>`): a counter per sender,
 * from 0, kept in Redis, so no two messages of one sender share an identifier however many
 * alerts open in the same second (a hash of the alert id collided one time in ten). Each CAP
 * message of a subject (an alert, later a response) gets its number once, the first time the
 * series is published, and keeps it: renders of the same message are identical. One Lua step
 * (`fxCapAssign` in store/scripts.ts); both keys share the `{prefix}` slot.
 */
export class CapNumbers {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
  ) {}

  /** The numbers of the first `count` messages of `subject`'s series (assigned on first publication). */
  forSeries(sender: string, subject: string, count: number): Promise<number[]> {
    if (count === 0) return Promise.resolve([]);
    return this.redis.fxCapAssign(this.keys.capCounter(sender), this.keys.capSeries(subject), count);
  }
}
