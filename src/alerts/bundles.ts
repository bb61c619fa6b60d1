import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';

/**
 * SMS to one person within `bundleWithin` go as one (您联系的西津街道、梅林镇、甲路镇…). The held
 * messages live in Redis (one hash per person, and a due-set the sweep reads), both under the
 * shared hash tag, so each step is one atomic script in one slot; a delayed job flushes the
 * bundle, and a crash before it runs loses nothing: the sweep finds the bundle past due.
 *
 * The first SMS of a Ⅱ/Ⅰ never waits: it goes at once and opens the window, and what follows
 * within it is held. A routine one (Ⅳ/Ⅲ, a lowering, an end) opens the window and waits in it.
 */
export interface HeldItem {
  alertId: string;
  messageId: string;
}

/** KEYS: bundle hash, due zset. ARGV: now, window, personId, item field, urgent (1/0). */
const HOLD = `
local now = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > now then
  redis.call('HSET', KEYS[1], ARGV[4], '1')
  redis.call('ZADD', KEYS[2], openUntil, ARGV[3])
  return openUntil
end
local untilMs = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'openUntil', untilMs)
if ARGV[5] == '1' then return 0 end
redis.call('HSET', KEYS[1], ARGV[4], '1')
redis.call('ZADD', KEYS[2], untilMs, ARGV[3])
return untilMs
`;

/**
 * KEYS: bundle hash. ARGV: now, lease. Claims the held items once the window is over (one
 * flusher at a time; a claim not released within the lease is taken again). Returns
 * {status, ...fields}: status 'wait' (window still open; 2nd element: until), 'busy', 'ok'.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > now then return {'wait', tostring(openUntil)} end
local claim = tonumber(redis.call('HGET', KEYS[1], 'claim') or '0')
if claim > now then return {'busy'} end
redis.call('HSET', KEYS[1], 'claim', now + tonumber(ARGV[2]))
local out = {'ok'}
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 2) == 'i:' then table.insert(out, f) end
end
return out
`;

/** KEYS: bundle hash, due zset. ARGV: now, personId, fields sent… Removes them; drops the person from the due set when nothing is left. */
const DONE = `
for i = 3, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('HDEL', KEYS[1], 'claim')
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 2) == 'i:' then return 1 end
end
redis.call('ZREM', KEYS[2], ARGV[2])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil <= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 0
`;

const LEASE_MS = 60_000;
const field = (i: HeldItem) => `i:${i.alertId}|${i.messageId}`;
const item = (f: string): HeldItem => {
  const [alertId, messageId] = f.slice(2).split('|') as [string, string];
  return { alertId, messageId };
};

export class SmsBundles {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Holds an SMS, or says it goes now (0). Returns when the bundle it joined is due. */
  async hold(personId: string, i: HeldItem, windowMs: number, urgent: boolean, now: number): Promise<number> {
    const due = await this.redis.eval(HOLD, 2, this.keys.smsBundle(personId), this.keys.smsBundlesDue(), now, windowMs, personId, field(i), urgent ? '1' : '0');
    return Number(due);
  }

  /** Whether this message is held in the person's bundle (a re-run delivery job leaves it there). */
  async isHeld(personId: string, i: HeldItem): Promise<boolean> {
    return (await this.redis.hexists(this.keys.smsBundle(personId), field(i))) === 1;
  }

  async take(personId: string, now: number): Promise<{ status: 'wait'; until: number } | { status: 'busy' } | { status: 'ok'; items: HeldItem[] }> {
    const [status, ...rest] = (await this.redis.eval(TAKE, 1, this.keys.smsBundle(personId), now, LEASE_MS)) as string[];
    if (status === 'wait') return { status, until: Number(rest[0]) };
    if (status === 'busy') return { status };
    return { status: 'ok', items: rest.map(item) };
  }

  async done(personId: string, items: readonly HeldItem[], now: number): Promise<void> {
    await this.redis.eval(DONE, 2, this.keys.smsBundle(personId), this.keys.smsBundlesDue(), now, personId, ...items.map(field));
  }

  /** People whose bundle is past due by `grace` (a lost flush job): the sweep flushes them. */
  async overdue(now: number, grace: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.smsBundlesDue(), '-inf', now - grace);
  }
}
