import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Keys } from '../store/keys.js';
import type { Channel } from '../channels/types.js';
import type { ReferenceSnapshot } from '../reference/store.js';
import { hashSecret, type Role, type TokenRecord } from './credentials.js';

/**
 * Sign-in to the board with a phone number and a 6-digit code sent to it by SMS. Only people
 * of the reference data who may use the board get a code; everyone else gets the same answer,
 * so the form cannot tell which numbers are known. Codes are stored hashed (with a salt), expire
 * after `codeTtl`, are void after `codeAttempts` wrong entries and are used once (one Lua step).
 * Requests are limited per number and per client address in Redis (all API processes together).
 */
export type StaffRole = Extract<Role, 'admin' | 'duty' | 'leader'>;
export type CodeRequest = { outcome: 'sent' } | { outcome: 'limited'; retryAfterSeconds: number };
export type CodeCheck = { ok: true; personId: string; role: StaffRole } | { ok: false; reason: 'wrong' | 'expired' | 'exhausted' };

/** `+86 138-0000-0001`, `008613800000001`, `13800000001` → `13800000001`. */
export function normalisePhone(raw: string): string | null {
  const digits = raw.replace(/[\s\-()（）]/g, '').replace(/^(\+86|0086)/, '');
  return /^\d{5,15}$/.test(digits) ? digits.replace(/^86(1\d{10})$/, '$1') : null;
}

const RANK: Record<StaffRole, number> = { leader: 1, duty: 2, admin: 3 };

/**
 * What a person may do on the board (pure): the strongest staff token issued for them; else duty
 * when they are on the roster within a month either side of `now`; else leader when they are a
 * township's liaison leader or head; else nothing.
 */
export function boardRoleOf(
  personId: string,
  ref: ReferenceSnapshot,
  tokens: readonly Pick<TokenRecord, 'role' | 'personId'>[],
  now: number,
): StaffRole | null {
  const issued = tokens.filter((t): t is Pick<TokenRecord, 'personId'> & { role: StaffRole } => t.personId === personId && t.role in RANK).map((t) => t.role);
  if (issued.length) return issued.sort((a, b) => RANK[b] - RANK[a])[0]!;
  const month = 31 * 86_400_000;
  const onRoster = ref.shifts.some(
    (s) => (s.leaderId === personId || s.officerIds.includes(personId)) && Date.parse(s.end) > now - month && Date.parse(s.start) < now + month,
  );
  if (onRoster) return 'duty';
  if (ref.assignments.some((a) => a.personId === personId && (a.role === 'liaison-leader' || a.role === 'township-head'))) return 'leader';
  return null;
}

/** The one person whose SMS or voice contact is this number, with their board role; null when none, several, or no role. */
export function staffByPhone(
  phone: string,
  ref: ReferenceSnapshot,
  tokens: readonly Pick<TokenRecord, 'role' | 'personId'>[],
  now: number,
): { personId: string; name: string; role: StaffRole } | null {
  const owners = [...ref.people.values()].filter((p) =>
    p.contacts.some((c) => (c.channel === 'sms' || c.channel === 'voice') && normalisePhone(c.to) === phone),
  );
  if (owners.length !== 1) return null;
  const role = boardRoleOf(owners[0]!.id, ref, tokens, now);
  return role ? { personId: owners[0]!.id, name: owners[0]!.name, role } : null;
}

/** KEYS: code hash. ARGV: max attempts. Returns 'expired', 'exhausted', or the stored fields for the caller to compare. */
const TAKE_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'expired'} end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if n > tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]); return {'exhausted'} end
return {'try', redis.call('HGET', KEYS[1], 'salt'), redis.call('HGET', KEYS[1], 'hash')}
`;
/** KEYS: code hash. ARGV: the hash that matched. Deletes the code when it is still that one (single use). */
const CONSUME = `
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then return nil end
local who = redis.call('HMGET', KEYS[1], 'personId', 'role')
redis.call('DEL', KEYS[1])
return who
`;
/** KEYS: counters. ARGV: window ms, then one limit per key (0 = none). Returns 0, or the ms until the full window frees. */
const COUNT = `
for i, k in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 1])
  if limit > 0 and tonumber(redis.call('GET', k) or '0') >= limit then return redis.call('PTTL', k) end
end
for i, k in ipairs(KEYS) do
  if redis.call('INCR', k) == 1 then redis.call('PEXPIRE', k, ARGV[1]) end
end
return 0
`;

type CodeRedis = Redis & {
  fxSignInAttempt(key: string, max: number): Promise<[string, string?, string?]>;
  fxSignInConsume(key: string, hash: string): Promise<[string | null, string | null] | null>;
  fxSignInCount(...args: Array<string | number>): Promise<number>;
};

export class SignInCodes {
  private readonly redis: CodeRedis;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      limits: { codeTtl: number; codeAttempts: number; codesPerPhone: number; codesPerAddress: number };
      /** Who the number belongs to and whether they may use the board. */
      lookup: (phone: string) => Promise<{ personId: string; name: string; role: StaffRole } | null>;
      sms: () => Channel | undefined;
      now: () => number;
      log: Logger;
    },
  ) {
    const r = d.redis as CodeRedis;
    if (typeof (r as Partial<CodeRedis>).fxSignInAttempt !== 'function') {
      r.defineCommand('fxSignInAttempt', { numberOfKeys: 1, lua: TAKE_ATTEMPT });
      r.defineCommand('fxSignInConsume', { numberOfKeys: 1, lua: CONSUME });
      r.defineCommand('fxSignInCount', { numberOfKeys: 2, lua: COUNT });
    }
    this.redis = r;
  }

  /**
   * Counts the request against the number and the address, then, when the number belongs to
   * someone who may use the board, sends a fresh code (replacing an earlier one). The outcome
   * is the same for known and unknown numbers.
   */
  async request(phone: string, address: string): Promise<CodeRequest> {
    const { keys, limits } = this.d;
    const phoneHash = hashSecret(`phone:${phone}`);
    const wait = await this.redis.fxSignInCount(
      keys.signInCount('phone', phoneHash),
      keys.signInCount('addr', hashSecret(`addr:${address}`)),
      3_600_000,
      limits.codesPerPhone,
      limits.codesPerAddress,
    );
    if (wait > 0) return { outcome: 'limited', retryAfterSeconds: Math.ceil(wait / 1000) };
    const who = await this.d.lookup(phone);
    if (!who) return { outcome: 'sent' };
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(12).toString('base64url');
    const key = keys.signInCode(phoneHash);
    await this.redis
      .multi()
      .del(key)
      .hset(key, { salt, hash: hashSecret(`${salt}:${code}`), personId: who.personId, role: who.role, attempts: 0 })
      .pexpire(key, limits.codeTtl)
      .exec();
    const minutes = Math.max(1, Math.round(limits.codeTtl / 60_000));
    const text = `防汛值守登录验证码：${code}，${minutes}分钟内有效，仅可使用一次。如非本人操作，请勿告知他人。`;
    // Sent after the answer, so the answer takes no longer for a known number than for an unknown one.
    const sending = this.deliver(phone, who, code, text).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
    return { outcome: 'sent' };
  }

  /** Resolves once the codes being sent have gone to the provider (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(phone: string, who: { personId: string; name: string; role: StaffRole }, code: string, text: string): Promise<void> {
    const phoneHash = hashSecret(`phone:${phone}`);
    const sms = this.d.sms();
    const result = sms
      ? await sms
          .send(phone, {
            messageId: `signin:${phoneHash.slice(0, 16)}:${this.d.now()}`,
            alertId: '',
            townshipId: '',
            level: null,
            personId: who.personId,
            personName: who.name,
            mobile: phone,
            role: who.role,
            title: '登录验证码',
            text,
            markdown: text,
            ackUrl: null,
            deadline: null,
            params: { code, name: who.name },
            template: 'sign-in-code',
          })
          .catch((err: unknown) => ({ ok: false, error: String(err) }))
      : { ok: false, error: 'no SMS channel is configured' };
    // Never logged: the code or the number. The person's id says whose sign-in failed.
    if (!result.ok) this.d.log.warn({ personId: who.personId, error: result.error }, 'sign-in code not delivered');
  }

  /** Checks a code: right (used up), wrong (one attempt gone), expired/unknown, or exhausted. */
  async verify(phone: string, code: string): Promise<CodeCheck> {
    const key = this.d.keys.signInCode(hashSecret(`phone:${phone}`));
    const [state, salt, stored] = await this.redis.fxSignInAttempt(key, this.d.limits.codeAttempts);
    if (state === 'expired') return { ok: false, reason: 'expired' };
    if (state === 'exhausted') return { ok: false, reason: 'exhausted' };
    const hash = hashSecret(`${salt}:${code}`);
    if (!/^\d{6}$/.test(code) || hash !== stored) return { ok: false, reason: 'wrong' };
    const who = await this.redis.fxSignInConsume(key, hash);
    // Consumed meanwhile by a parallel entry of the same code: single use.
    if (!who?.[0] || !who[1]) return { ok: false, reason: 'expired' };
    return { ok: true, personId: who[0], role: who[1] as StaffRole };
  }
}
