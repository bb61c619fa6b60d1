import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { auditArgs, type AuditEntry } from './audit.js';

/**
 * A person's own delivery preferences, kept apart from the imported people (an import of the
 * roster never resets them). `smsOptOut` (仅看板): a duty officer watching the board gets no
 * routine SMS for what the board shows; escalations to them still come by SMS and phone.
 */
export interface PersonPrefs {
  smsOptOut: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
}

const NONE: PersonPrefs = { smsOptOut: false, updatedAt: null, updatedBy: null };

export class PersonPrefsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async get(personId: string): Promise<PersonPrefs> {
    const json = await this.redis.hget(this.keys.personPrefs(), personId);
    return json ? { ...NONE, ...(JSON.parse(json) as Partial<PersonPrefs>) } : { ...NONE };
  }

  /** Sets them with their audit entry in one step (both under the shared hash tag). */
  async set(personId: string, prefs: { smsOptOut: boolean }, audit: Omit<AuditEntry, 'action' | 'target' | 'before' | 'after'>): Promise<PersonPrefs> {
    const before = await this.get(personId);
    const after: PersonPrefs = { smsOptOut: prefs.smsOptOut, updatedAt: Date.parse(audit.at), updatedBy: audit.actor };
    await this.redis
      .multi()
      .hset(this.keys.personPrefs(), personId, JSON.stringify(after))
      .xadd(...auditArgs(this.keys, { ...audit, action: 'people.preferences', target: `people/${personId}`, before, after }))
      .exec();
    return after;
  }
}
