import type { MaybeLevel } from './levels.js';
import type { Policy } from '../config/policy.js';
import type { CalloutKind } from './alerts.js';

/**
 * Warnings (预警) and responses (应急响应) run on the same call-out machinery under their own
 * policy tables: `levels:`/`mustAck` for warnings, `responses:` for responses.
 */
export function policyFor(kind: CalloutKind | undefined, policy: Policy): Policy {
  if (kind !== 'response') return policy;
  const r = policy.responses;
  return { ...policy, levels: { IV: r.IV, III: r.III, II: r.II, I: r.I }, mustAck: r.mustAck };
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
