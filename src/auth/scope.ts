import type { Principal } from './credentials.js';

/**
 * What a caller may see. A leader (a person's own token) sees only the alerts that notified
 * them, wherever alerts show: the API, the board pages, the board's live stream, the CAP feed.
 */
export function seesAlert(p: Principal, alert: { recipients: ReadonlyArray<{ personId: string }> }): boolean {
  return p.role !== 'leader' || alert.recipients.some((r) => r.personId === p.personId);
}
