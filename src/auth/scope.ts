import type { Principal } from './credentials.js';

/**
 * What a caller may see. A leader (a person's own token) sees only the alerts that notified
 * them, wherever alerts show: the API, the board pages, the board's live stream, the CAP feed;
 * and only the HQ responses whose call-outs told them (`seesResponse`).
 */
export function seesAlert(p: Principal, alert: { recipients: ReadonlyArray<{ personId: string }> }): boolean {
  return p.role !== 'leader' || alert.recipients.some((r) => r.personId === p.personId);
}

/** A response through its townships' call-outs: a leader sees it when one of them notified them. */
export function seesResponse(p: Principal, callouts: Iterable<{ recipients: ReadonlyArray<{ personId: string }> }>): boolean {
  if (p.role !== 'leader') return true;
  for (const a of callouts) if (seesAlert(p, a)) return true;
  return false;
}
