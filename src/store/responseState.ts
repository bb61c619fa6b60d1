import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { Response } from '../domain/responses/model.js';

/**
 * HQ responses in Redis: one JSON document per response with a version, in the deployment's
 * shared slot. An act commits every response it changes (the acted-on one and those it
 * supersedes) in one compare-and-set step, together with the index and the active set.
 *
 * KEYS: responses (zset), active (set), then one document key per response
 * ARGV: n, then per response: expected version ('' = create), doc, id, createdAt, status
 * Returns 1, or -1 when any of them changed since it was read.
 */
const COMMIT_RESPONSES = `
local n = tonumber(ARGV[1])
for i = 1, n do
  local b = 1 + (i - 1) * 5
  local cur = redis.call('HGET', KEYS[2 + i], 'ver')
  if ARGV[b + 1] == '' then
    if cur then return -1 end
  elseif cur ~= ARGV[b + 1] then
    return -1
  end
end
for i = 1, n do
  local b = 1 + (i - 1) * 5
  local ver = tonumber(redis.call('HGET', KEYS[2 + i], 'ver') or '0') + 1
  redis.call('HSET', KEYS[2 + i], 'doc', ARGV[b + 2], 'ver', ver)
  redis.call('ZADD', KEYS[1], tonumber(ARGV[b + 4]), ARGV[b + 3])
  if ARGV[b + 5] == 'active' then
    redis.call('SADD', KEYS[2], ARGV[b + 3])
  else
    redis.call('SREM', KEYS[2], ARGV[b + 3])
  end
end
return 1
`;

export interface StoredResponse {
  response: Response;
  version: string;
}

type ResponseRedis = Redis & { fxCommitResponses(...args: Array<string | number>): Promise<number> };

export class ResponseStore {
  private readonly redis: ResponseRedis;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    if (!('fxCommitResponses' in redis)) redis.defineCommand('fxCommitResponses', { lua: COMMIT_RESPONSES });
    this.redis = redis as ResponseRedis;
  }

  async newId(now: number): Promise<string> {
    const n = await this.redis.incr(this.keys.responseSeq());
    const d = new Date(now + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
    return `resp-${d}-${n}`;
  }

  async get(id: string): Promise<StoredResponse | null> {
    if (!/^[\w-]{1,64}$/.test(id)) return null;
    const [doc, version] = await this.redis.hmget(this.keys.response(id), 'doc', 'ver');
    if (!doc || !version) return null;
    return { response: JSON.parse(doc) as Response, version };
  }

  async getMany(ids: readonly string[]): Promise<StoredResponse[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.multi();
    for (const id of ids) pipe.hmget(this.keys.response(id), 'doc', 'ver');
    const replies = (await pipe.exec()) ?? [];
    return replies.flatMap(([err, v]) => {
      if (err) throw err;
      const [doc, version] = v as Array<string | null>;
      return doc && version ? [{ response: JSON.parse(doc) as Response, version }] : [];
    });
  }

  async active(): Promise<StoredResponse[]> {
    const ids = await this.redis.smembers(this.keys.activeResponses());
    return (await this.getMany(ids.sort())).filter((s) => s.response.status === 'active');
  }

  /** Newest first. */
  async list(limit: number): Promise<Response[]> {
    const ids = await this.redis.zrevrange(this.keys.responses(), 0, limit - 1);
    return (await this.getMany(ids)).map((s) => s.response);
  }

  /** Writes the responses if none changed since read (`versions`: id → version read, absent = new). */
  async commit(responses: readonly Response[], versions: ReadonlyMap<string, string>): Promise<'ok' | 'conflict'> {
    const keys = [this.keys.responses(), this.keys.activeResponses(), ...responses.map((r) => this.keys.response(r.id))];
    const args: Array<string | number> = [responses.length];
    for (const r of responses) args.push(versions.get(r.id) ?? '', JSON.stringify(r), r.id, r.createdAt, r.status);
    const result = await this.redis.fxCommitResponses(keys.length, ...keys, ...args);
    return result === 1 ? 'ok' : 'conflict';
  }
}
