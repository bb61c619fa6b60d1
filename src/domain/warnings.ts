import type { Level, MaybeLevel } from './levels.js';
import type { DutyPolicy, LevelPolicy, RecipientRole } from './policy.js';
import type { CalloutKind } from './alerts.js';

/**
 * Warnings (预警) and responses (应急响应) run on the same call-out machinery under their own
 * policy tables: `levels:`/`mustAck` for warnings, `responses:` for responses.
 */
export function policyFor<P extends DutyPolicy>(kind: CalloutKind | undefined, policy: P): P {
  if (kind !== 'response') return policy;
  const r = policy.responses;
  // A response's township call-outs reach the township's own people; the city's people (duty room,
  // shift leader, commander) get one message per act of the HQ instead (responses/service.ts).
  const local = (lp: LevelPolicy): LevelPolicy => ({ ...lp, notify: lp.notify.filter((role) => TOWNSHIP_ROLES.includes(role)) });
  return { ...policy, levels: { IV: local(r.IV), III: local(r.III), II: local(r.II), I: local(r.I) }, mustAck: r.mustAck };
}

/** Roles held per township; the others (duty-officer, shift-leader, commander) are the city's. */
export const TOWNSHIP_ROLES: readonly RecipientRole[] = ['liaison-leader', 'township-head', 'object-keeper'];

/** The city's people the response policy names at a level (told once per act). */
export function cityRolesAt(level: Level, policy: DutyPolicy): RecipientRole[] {
  return policy.responses[level].notify.filter((role) => !TOWNSHIP_ROLES.includes(role));
}

/**
 * Whether the township has been quiet (level none) for at least `clearAfter` in one spell that
 * lasted past `since` — a new storm, as opposed to the same rain still in the windows.
 * `events` are the township's level changes, oldest first.
 */
export function quietSpellSince(events: ReadonlyArray<{ at: number; to: MaybeLevel }>, since: number, clearAfter: number): boolean {
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.to !== null) continue;
    const start = events[i]!.at;
    const end = events[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    if (end - start >= clearAfter && end > since) return true;
  }
  return false;
}
