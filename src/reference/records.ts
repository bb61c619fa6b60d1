import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Keys } from '../store/keys.js';
import type { AuditEntry } from '../store/audit.js';
import { zodIssues, type InputIssue } from '../lib/issues.js';
import { assignmentSchema, personSchema, shiftSchema, stationSchema, townshipSchema, type Assignment, type Shift } from './schema.js';
import { assignmentKey, checkReferences, shiftId, type Collection, type ReferenceSnapshot, type ReferenceStore } from './store.js';

/**
 * One record at a time, for the admin API: create, replace, delete, each a Lua
 * compare-and-set on the record's version (so a concurrent edit is caught, never silently
 * overwritten), bumping the reference version and writing the audit entry in the same step.
 *
 * KEYS: collection hash, versions hash, ref version, audit stream, dirty zset
 * ARGV: id, expected ('' any, 'absent' must not exist, n), json ('' = delete), audit JSON, now, dirty ids…
 * Returns { code, current version }: code = new version, -1 version mismatch, -2 exists, -3 missing.
 */
const WRITE_RECORD = `
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local exists = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if ARGV[2] == 'absent' then
  if exists then return {-2, cur} end
else
  if not exists then return {-3, cur} end
  if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= cur then return {-1, cur} end
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
local ver = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '1000000', '*', 'entry', ARGV[4])
for i = 6, #ARGV do redis.call('ZADD', KEYS[5], 'NX', tonumber(ARGV[5]), ARGV[i]) end
return {ver, cur}
`;

export const SCHEMAS = {
  townships: townshipSchema,
  stations: stationSchema,
  people: personSchema,
  assignments: assignmentSchema,
  shifts: shiftSchema,
} satisfies Record<Collection, z.ZodType>;

export type WriteOutcome =
  | { ok: true; id: string; version: number; record: unknown }
  | { ok: false; code: 'version_mismatch' | 'already_exists' | 'not_found'; message: string; details?: InputIssue[]; currentVersion?: number };

type RecordRedis = Redis & { fxWriteRecord(...args: Array<string | number>): Promise<[number, number]> };

export function recordId(c: Collection, r: unknown): string {
  if (c === 'assignments') return assignmentKey(r as Assignment);
  if (c === 'shifts') return shiftId(r as Shift);
  return (r as { id: string }).id;
}

export class RecordStore {
  private readonly redis: RecordRedis;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
    private readonly reference: ReferenceStore,
    private readonly now: () => number,
  ) {
    if (!('fxWriteRecord' in redis)) redis.defineCommand('fxWriteRecord', { numberOfKeys: 5, lua: WRITE_RECORD });
    this.redis = redis as RecordRedis;
  }

  async get(c: Collection, id: string): Promise<{ record: unknown; version: number } | null> {
    const [json, ver] = await Promise.all([this.redis.hget(this.keys.ref(c), id), this.redis.hget(this.keys.refRecordVersions(c), id)]);
    return json ? { record: JSON.parse(json) as unknown, version: Number(ver ?? 0) } : null;
  }

  async list(c: Collection): Promise<Array<{ id: string; record: unknown; version: number }>> {
    const [all, vers] = await Promise.all([this.redis.hgetall(this.keys.ref(c)), this.redis.hgetall(this.keys.refRecordVersions(c))]);
    return Object.entries(all)
      .map(([id, json]) => ({ id, record: JSON.parse(json) as unknown, version: Number(vers[id] ?? 0) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Validates a record and its references; returns the parsed record or the problems. */
  async check(c: Collection, input: unknown, ref: ReferenceSnapshot): Promise<{ ok: true; record: unknown } | { ok: false; issues: InputIssue[] }> {
    const parsed = SCHEMAS[c].safeParse(input);
    if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
    const data = { townships: [], stations: [], people: [], assignments: [], shifts: [], [c]: [parsed.data] } as unknown as Parameters<
      typeof checkReferences
    >[0];
    const issues = checkReferences(data, ref).map((i) => ({ ...i, path: i.path.replace(/^\w+\[0\]\.?/, '') || '(root)' }));
    return issues.length > 0 ? { ok: false, issues } : { ok: true, record: parsed.data };
  }

  async write(
    c: Collection,
    id: string,
    record: unknown | null,
    expected: number | 'absent' | null,
    audit: Omit<AuditEntry, 'at' | 'target' | 'before' | 'after'> & { before: unknown },
    dirty: string[] = [],
  ): Promise<WriteOutcome> {
    const stored = c === 'shifts' && record ? { ...(record as object), id } : record;
    const entry: AuditEntry = { ...audit, at: new Date(this.now()).toISOString(), target: `${c}/${id}`, after: stored };
    const [code, current] = await this.redis.fxWriteRecord(
      this.keys.ref(c),
      this.keys.refRecordVersions(c),
      this.keys.refVersion(),
      this.keys.audit(),
      this.keys.dirty(),
      id,
      expected === null ? '' : String(expected),
      stored === null ? '' : JSON.stringify(stored),
      JSON.stringify(entry),
      this.now(),
      ...dirty,
    );
    if (code === -1)
      return {
        ok: false,
        code: 'version_mismatch',
        message: `${c}/${id} was changed by someone else (now version ${current}, you sent ${String(expected)}); reload it and apply your change again`,
        currentVersion: current,
      };
    if (code === -2) return { ok: false, code: 'already_exists', message: `${c}/${id} already exists; use PUT to change it`, currentVersion: current };
    if (code === -3) return { ok: false, code: 'not_found', message: `No ${c} record "${id}"` };
    this.reference.invalidate();
    return { ok: true, id, version: code, record: stored };
  }
}
