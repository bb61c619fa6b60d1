import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';

/**
 * The N of GB/T 35965.1 identifiers (`<office>_<YYYYMMDDhhmmss>_<N>`): a counter per sender,
 * from 0, kept in Redis, so no two messages of one sender share an identifier however many
 * alerts open in the same second (a hash of the alert id collided one time in ten). Each CAP
 * message of a subject (an alert, later a response) gets its number once, the first time the
 * series is published, and keeps it: renders of the same message are identical.
 *
 * KEYS: sender counter, subject series (hash: message index → N). ARGV: message count.
 * Returns the numbers of messages 0 … count-1. Both keys share the `{prefix}` slot.
 */
const ASSIGN = `
local out = {}
for i = 0, tonumber(ARGV[1]) - 1 do
  local n = redis.call('HGET', KEYS[2], tostring(i))
  if not n then
    n = redis.call('INCR', KEYS[1]) - 1
    redis.call('HSET', KEYS[2], tostring(i), n)
  end
  out[#out + 1] = tonumber(n)
end
return out
`;

type CapRedis = Redis & { fxCapAssign(counter: string, series: string, count: number): Promise<number[]> };

/** The sender's numbers for the first `count` messages of `subject` (assigning new ones). */
export function capNumbers(redis: Redis, keys: Keys, sender: string, subject: string, count: number): Promise<number[]> {
  if (count === 0) return Promise.resolve([]);
  if (!('fxCapAssign' in redis)) redis.defineCommand('fxCapAssign', { numberOfKeys: 2, lua: ASSIGN });
  return (redis as CapRedis).fxCapAssign(keys.capCounter(sender), keys.capSeries(subject), count);
}
