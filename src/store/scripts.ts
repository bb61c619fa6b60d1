import type { Redis } from 'ioredis';

/**
 * Lua steps that must be atomic. Each touches the keys of one hash tag only (one station,
 * one township, or the shared evaluation sets), so each runs on one node of a Redis Cluster.
 */

/**
 * Stores readings of one or more stations (one station's keys share a slot; several stations
 * go in one call only on a single Redis, see `store/readings.ts`). Per station, a reading is
 * new, a duplicate (same value stored) or a conflict (a different value stored; the first
 * stands). Readings older than the hot window are checked against the daily archive too.
 * Reply, per station: { needsEval, (position, code, stored)… } — only duplicates (code 1) and
 * conflicts (code 2) are listed, by their 1-based position among the station's readings; the
 * rest are new. `needsEval` is 1 when the station has readings not yet evaluated (new ones, or
 * earlier ones whose dirty mark may have been lost with a failed request).
 *
 * INGEST (cluster: the shared evaluation sets live in another slot): the caller marks the
 * stations that need evaluation dirty as a second step, after this one.
 * KEYS: (readings, station)… ARGV per station: now, hotCutoffSec, archiveBase, n, (ts, value)×n.
 *
 * INGEST_MARKED (one Redis): the same, and the script marks them itself, in the same atomic
 * step (one round trip; a station is never stored and left unmarked).
 * KEYS: dirty, urgent, (readings, station)… ARGV per station: now, hotCutoffSec, archiveBase,
 * n, stationId, urgent (1: a level at a threshold, claimed first), (ts, value)×n.
 */
function ingestLua(marked: boolean): string {
  return `
-- "0.2" and "0.2," are the same rain-only reading (older versions wrote the comma).
local function same(a, b) return a == b or a .. ',' == b or b .. ',' == a end
local result = {}
local a = 1
for k = ${marked ? 3 : 1}, #KEYS, 2 do
  local rkey, skey = KEYS[k], KEYS[k + 1]
  local now, cutoff, archiveBase, n = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4${
    marked
      ? `
  local id, urgent = ARGV[a], ARGV[a + 1]
  a = a + 2`
      : ''
  }
  local out = {}
  local added = 0
  for pos = 1, n do
    local ts, v = ARGV[a], ARGV[a + 1]
    a = a + 2
    local existing = nil
    if tonumber(ts) < cutoff then
      local arch = redis.call('GET', archiveBase .. ':' .. math.floor(tonumber(ts) / 86400))
      if arch then
        local s, e = string.find(arch, ';' .. ts .. '=', 1, true)
        if s then
          local stop = string.find(arch, ';', e + 1, true)
          existing = string.sub(arch, e + 1, (stop or (#arch + 1)) - 1)
        end
      end
    end
    if not existing then
      if redis.call('HSETNX', rkey, ts, v) == 1 then
        added = added + 1
      else
        existing = redis.call('HGET', rkey, ts)
      end
    end
    if existing then
      out[#out + 1] = pos
      out[#out + 1] = same(existing, v) and 1 or 2
      out[#out + 1] = existing
    end
  end
  if added > 0 then
    redis.call('HINCRBY', skey, 'seq', added)
    redis.call('HSET', skey, 'receivedAt', now)
  end
  -- Any report, even a resent one, shows the gauge is alive (stale-gauge check).
  redis.call('HSET', skey, 'seenAt', now)
  local counts = redis.call('HMGET', skey, 'seq', 'eseq')
  local needsEval = added > 0 or (tonumber(counts[1]) or 0) > (tonumber(counts[2]) or -1)${
    marked
      ? `
  if needsEval then
    redis.call('ZADD', KEYS[1], 'NX', now, id)
    if urgent == '1' then redis.call('ZADD', KEYS[2], 'NX', now, id) end
  end`
      : ''
  }
  table.insert(out, 1, needsEval and 1 or 0)
  result[#result + 1] = out
end
return result
`;
}
const INGEST = ingestLua(false);
const INGEST_MARKED = ingestLua(true);

/**
 * A consistent snapshot of one station: { seq, nDays, (utcDay, mm)×nDays, ts1, v1, ts2, v2, … }:
 * the hot readings and the daily rain totals of the archived ones (for the long windows).
 * KEYS: readings, station, day totals.
 */
const LOAD_STATION = `
local seq = redis.call('HGET', KEYS[2], 'seq') or '0'
local days = redis.call('HGETALL', KEYS[3])
local all = redis.call('HGETALL', KEYS[1])
local out = { seq, #days / 2 }
for i = 1, #days do out[#out + 1] = days[i] end
for i = 1, #all do out[#out + 1] = all[i] end
return out
`;

/**
 * Writes a station's evaluated state unless a newer one is there (by readings seq, then
 * asOf), and moves readings past the hot window to the daily archive. Returns the state's
 * new version (`sv`), 0 when a newer state stood. The caller then updates the shared active
 * set and its township's member versions (second steps, done before the claim is released).
 * KEYS: station, readings, day totals. ARGV: seq, asOf, state, archiveBase, archiveTtlSec, ts-to-archive…
 */
const COMMIT_STATION = `
local seq, asOf = tonumber(ARGV[1]), tonumber(ARGV[2])
local cur = redis.call('HMGET', KEYS[1], 'eseq', 'easof')
local cseq, casof = tonumber(cur[1]) or -1, tonumber(cur[2]) or -1
if seq < cseq or (seq == cseq and asOf < casof) then return 0 end
redis.call('HSET', KEYS[1], 'eseq', seq, 'easof', asOf, 'state', ARGV[3])
local sv = redis.call('HINCRBY', KEYS[1], 'sv', 1) -- state version: changes with every write (readers cache by it)
for i = 6, #ARGV do
  local ts = ARGV[i]
  local v = redis.call('HGET', KEYS[2], ts)
  if v then
    local day = math.floor(tonumber(ts) / 86400)
    local key = ARGV[4] .. ':' .. day
    redis.call('APPEND', key, ';' .. ts .. '=' .. v)
    redis.call('EXPIRE', key, ARGV[5])
    redis.call('HDEL', KEYS[2], ts)
    -- The day's rain total, for the long windows (72h, 7d, season); kept 200 days.
    local rain = tonumber(string.match(v, '^([^,]*)'))
    if rain then
      redis.call('HINCRBYFLOAT', KEYS[3], day, rain)
      redis.call('HDEL', KEYS[3], day - 200)
    end
  end
end
return sv
`;

/**
 * Takes a ticket for a township recomputation, first recording the state versions of member
 * stations just written (each only if newer), and returns the versions of all members, so a
 * recomputation reads one small hash instead of asking every station.
 * KEYS: township, member versions. ARGV: (stationId, sv)… Returns { want, stationId, sv, … }.
 */
const TOWNSHIP_TICKET = `
for i = 1, #ARGV, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
  if cur < tonumber(ARGV[i + 1]) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
local out = redis.call('HGETALL', KEYS[2])
table.insert(out, 1, redis.call('HINCRBY', KEYS[1], 'want', 1))
return out
`;

/**
 * Writes a township's level if this computation is the newest (its ticket `want` is above
 * the last one written) and records a level change as an event in the township's history.
 * KEYS: township, township events.
 * ARGV: want, level ('' = none), state, now, reasons, townshipId.
 * Returns { written(0|1), eventId|'', previousLevel }.
 */
const COMMIT_TOWNSHIP = `
local want = tonumber(ARGV[1])
local done = tonumber(redis.call('HGET', KEYS[1], 'done') or '-1')
if want <= done then return {0, '', ''} end
local prev = redis.call('HGET', KEYS[1], 'level') or ''
redis.call('HSET', KEYS[1], 'done', want, 'state', ARGV[3], 'level', ARGV[2], 'evaluatedAt', ARGV[4])
if prev == ARGV[2] then return {1, '', prev} end
redis.call('HSET', KEYS[1], 'since', ARGV[4])
local id = redis.call('XADD', KEYS[2], '*', 'townshipId', ARGV[6], 'at', ARGV[4], 'from', prev, 'to', ARGV[2], 'reasons', ARGV[5])
return {1, id, prev}
`;

/**
 * Claims up to `count` dirty stations for one worker: the stations marked urgent (a reading
 * at or over a threshold) alone when there are any, else the oldest dirty ones; expired claims
 * of crashed workers are handed back first. With more dirty stations than one claim (a backlog) and `settle` > 0,
 * only stations dirty for at least `settle` ms are taken (urgent ones always are).
 * KEYS: dirty, inflight, urgent. ARGV: now, lease, count, claimId, settle.
 */
const CLAIM = `
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, member in ipairs(expired) do
  local station = string.match(member, '^(.*)|[^|]*$')
  redis.call('ZADD', KEYS[1], 'NX', now, station)
  redis.call('ZREM', KEYS[2], member)
end
local count = tonumber(ARGV[3])
local out = {}
local urgent = redis.call('ZPOPMIN', KEYS[3], count)
for i = 1, #urgent, 2 do
  if redis.call('ZREM', KEYS[1], urgent[i]) == 1 then out[#out + 1] = urgent[i] end
end
-- Urgent stations make a claim of their own: a small, quick pass, not one behind a backlog.
if #out == 0 then
  local settle = tonumber(ARGV[5] or '0')
  if settle > 0 and redis.call('ZCARD', KEYS[1]) > count then
    -- A backlog: take only stations whose first unevaluated reading has waited settle ms, so
    -- the readings that keep arriving for a station are evaluated together, not one pass each.
    local ready = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - settle, 'LIMIT', 0, count - #out)
    for _, station in ipairs(ready) do
      redis.call('ZREM', KEYS[1], station)
      out[#out + 1] = station
    end
  else
    local popped = redis.call('ZPOPMIN', KEYS[1], count - #out)
    for i = 1, #popped, 2 do out[#out + 1] = popped[i] end
  end
end
for _, station in ipairs(out) do
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), station .. '|' .. ARGV[4])
end
return out
`;

export interface FangxunScripts {
  /** One station: its (readings, station) keys, then its arguments (see INGEST). */
  fxIngest(readings: string, station: string, ...argv: Array<string | number>): Promise<Array<Array<number | string>>>;
  /** Several stations, marked for evaluation in the same step (one Redis only): numKeys, dirty, urgent, the (readings, station) keys, the per-station arguments. */
  fxIngestMany(numKeys: number, ...keysAndArgv: Array<string | number>): Promise<Array<Array<number | string>>>;
  fxLoadStation(readings: string, station: string): Promise<string[]>;
  fxCommitStation(station: string, readings: string, ...argv: Array<string | number>): Promise<number>;
  fxCommitTownship(township: string, events: string, ...argv: Array<string | number>): Promise<[number, string, string]>;
  fxTownshipTicket(township: string, memberVersions: string, ...argv: Array<string | number>): Promise<Array<number | string>>;
  fxClaim(dirty: string, inflight: string, urgent: string, ...argv: Array<string | number>): Promise<string[]>;
  fxCapAssign(counter: string, series: string, count: number): Promise<number[]>;
}

export type ScriptedRedis = Redis & FangxunScripts;

/**
 * The N of GB/T 35965.1 CAP identifiers, a counter per sender (see alerts/capIds.ts).
 * KEYS: sender counter, subject series (hash: message index → N). ARGV: message count.
 * Returns the numbers of messages 0 … count-1, assigning the missing ones in order.
 */
const CAP_ASSIGN = `
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

const SCRIPTS = {
  // The same script; with a fixed key count a cluster client routes it by its first key.
  fxIngest: { numberOfKeys: 2, lua: INGEST },
  fxIngestMany: { numberOfKeys: undefined, lua: INGEST_MARKED },
  fxLoadStation: { numberOfKeys: 3, lua: LOAD_STATION },
  fxCommitStation: { numberOfKeys: 3, lua: COMMIT_STATION },
  fxCommitTownship: { numberOfKeys: 2, lua: COMMIT_TOWNSHIP },
  fxTownshipTicket: { numberOfKeys: 2, lua: TOWNSHIP_TICKET },
  fxClaim: { numberOfKeys: 3, lua: CLAIM },
  fxCapAssign: { numberOfKeys: 2, lua: CAP_ASSIGN },
} as const;

/**
 * Registers the scripts on a connection (EVALSHA, falling back to EVAL once per script).
 * At start, before any command: a cluster client's auto-pipelines only know the commands
 * defined when they were made.
 */
export function withScripts(redis: Redis): ScriptedRedis {
  for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  }
  return redis as ScriptedRedis;
}
