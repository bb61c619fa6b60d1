import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { Alert, CalloutKind, LedgerEntry } from '../domain/alerts/index.js';
import { batch } from '../store/batch.js';

/**
 * Alerts in Redis: one JSON document per alert with a version, committed by a Lua
 * compare-and-set together with the township's open-alert pointer, its alert index and its
 * accountability ledger, all in the township's hash slot. One open alert per township is
 * enforced here; a stale writer (another worker got there first) retries from a fresh read.
 *
 * KEYS: alert, township, township alerts or call-outs (zset), ledger (stream)
 * ARGV: expected version ('' = create), doc, alert id, openedAt, status, pointer field, ledger JSON…
 * The pointer field is `alert` for the open warning, `response` for the open response call-out.
 * Returns the new version, -1 on a version conflict, or -2 when creating while the
 * township already has an open alert.
 */
const COMMIT_ALERT = `
local cur = redis.call('HGET', KEYS[1], 'ver')
if ARGV[1] == '' then
  if cur then return -1 end
  local open = redis.call('HGET', KEYS[2], ARGV[6])
  if open and open ~= '' then return -2 end
elseif cur ~= ARGV[1] then
  return -1
end
local ver = tonumber(cur or '0') + 1
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'ver', ver)
redis.call('ZADD', KEYS[3], tonumber(ARGV[4]), ARGV[3])
if ARGV[5] == 'open' then
  redis.call('HSET', KEYS[2], ARGV[6], ARGV[3])
elseif redis.call('HGET', KEYS[2], ARGV[6]) == ARGV[3] then
  redis.call('HDEL', KEYS[2], ARGV[6])
end
for i = 7, #ARGV do
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', '100000', '*', 'entry', ARGV[i])
end
return ver
`;

const POINTER: Record<CalloutKind, string> = { warning: 'alert', response: 'response' };

export interface StoredAlert {
  alert: Alert;
  version: string;
}

type AlertRedis = Redis & { fxCommitAlert(...args: Array<string | number>): Promise<number> };

export class AlertStore {
  private readonly redis: AlertRedis;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    if (!('fxCommitAlert' in redis)) redis.defineCommand('fxCommitAlert', { numberOfKeys: 4, lua: COMMIT_ALERT });
    this.redis = redis as AlertRedis;
  }

  async get(alertId: string): Promise<StoredAlert | null> {
    if (!alertId.includes('~')) return null;
    const [doc, version] = await this.redis.hmget(this.keys.alert(alertId), 'doc', 'ver');
    if (!doc || !version) return null;
    return { alert: JSON.parse(doc) as Alert, version };
  }

  async getMany(alertIds: readonly string[]): Promise<Alert[]> {
    if (alertIds.length === 0) return [];
    const pipe = batch(this.redis);
    for (const id of alertIds) pipe.hget(this.keys.alert(id), 'doc');
    const replies = (await pipe.exec()) ?? [];
    return replies.flatMap(([err, doc]) => {
      if (err) throw err;
      return typeof doc === 'string' ? [JSON.parse(doc) as Alert] : [];
    });
  }

  /** The open warning (or response call-out) of a township, if any. */
  async openAlertId(townshipId: string, kind: CalloutKind = 'warning'): Promise<string | null> {
    return (await this.redis.hget(this.keys.township(townshipId), POINTER[kind])) || null;
  }

  async openAlertIds(townshipIds: readonly string[], kind: CalloutKind = 'warning'): Promise<Map<string, string>> {
    const pipe = batch(this.redis);
    for (const tid of townshipIds) pipe.hget(this.keys.township(tid), POINTER[kind]);
    const replies = (await pipe.exec()) ?? [];
    const out = new Map<string, string>();
    replies.forEach(([err, id], i) => {
      if (err) throw err;
      if (typeof id === 'string' && id) out.set(townshipIds[i]!, id);
    });
    return out;
  }

  async newAlertId(townshipId: string, kind: CalloutKind = 'warning'): Promise<string> {
    if (kind === 'response') return `${townshipId}~r${await this.redis.hincrby(this.keys.township(townshipId), 'calloutSeq', 1)}`;
    const n = await this.redis.hincrby(this.keys.township(townshipId), 'alertSeq', 1);
    return `${townshipId}~${n}`;
  }

  /** Writes the alert if nobody else did since `expected` (null = create). */
  async commit(alert: Alert, expected: string | null, ledger: readonly LedgerEntry[]): Promise<'ok' | 'conflict' | 'township-has-open-alert'> {
    const tid = alert.townshipId;
    const kind = alert.kind ?? 'warning';
    const r = await this.redis.fxCommitAlert(
      this.keys.alert(alert.id),
      this.keys.township(tid),
      kind === 'response' ? this.keys.townshipCallouts(tid) : this.keys.townshipAlerts(tid),
      this.keys.townshipLedger(tid),
      expected ?? '',
      JSON.stringify(alert),
      alert.id,
      alert.openedAt,
      alert.status,
      POINTER[kind],
      ...ledger.map((e) => JSON.stringify(e)),
    );
    if (r === -1) return 'conflict';
    if (r === -2) return 'township-has-open-alert';
    return 'ok';
  }

  /** Alert (or response call-out) ids of the townships, newest first. */
  async list(townshipIds: readonly string[], limit: number, kind: CalloutKind = 'warning'): Promise<string[]> {
    const pipe = batch(this.redis);
    for (const tid of townshipIds)
      pipe.zrevrange(kind === 'response' ? this.keys.townshipCallouts(tid) : this.keys.townshipAlerts(tid), 0, limit - 1, 'WITHSCORES');
    const replies = (await pipe.exec()) ?? [];
    const all: Array<[string, number]> = [];
    for (const [err, flat] of replies) {
      if (err) throw err;
      const list = flat as string[];
      for (let i = 0; i < list.length; i += 2) all.push([list[i]!, Number(list[i + 1])]);
    }
    return all
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  async ledger(townshipIds: readonly string[]): Promise<LedgerEntry[]> {
    const pipe = batch(this.redis);
    for (const tid of townshipIds) pipe.xrange(this.keys.townshipLedger(tid), '-', '+');
    const replies = (await pipe.exec()) ?? [];
    const out: LedgerEntry[] = [];
    for (const [err, entries] of replies) {
      if (err) throw err;
      for (const [, fields] of entries as Array<[string, string[]]>) out.push(JSON.parse(fields[1]!) as LedgerEntry);
    }
    return out.sort((a, b) => a.at - b.at);
  }
}
