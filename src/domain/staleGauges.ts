/** Which gauges went silent (数据中断) or came back, as a pure function of when each was last heard. */
export interface StationSeen {
  id: string;
  intervalMinutes: number;
  /** When the gauge last reported anything (ms), or null if it never did. */
  seenAt: number | null;
  /** Since when its readings are refused for its clock (ms), or null: it reports, yet says nothing usable. */
  clockOffSince?: number | null;
}

/** A gauge is offline after max(3 × its interval, 30 min) without a report. */
export function offlineAfterMs(intervalMinutes: number): number {
  return Math.max(3 * intervalMinutes, 30) * 60_000;
}

export interface Silence {
  until: number;
  reason: string;
  by: string;
}

export function staleCheck(
  stations: readonly StationSeen[],
  offline: ReadonlyMap<string, number>,
  silences: ReadonlyMap<string, Silence>,
  now: number,
): { wentOffline: Array<{ id: string; seenAt: number; clockOff: boolean }>; recovered: Array<{ id: string; offlineSince: number; seenAt: number }> } {
  const wentOffline: Array<{ id: string; seenAt: number; clockOff: boolean }> = [];
  const recovered: Array<{ id: string; offlineSince: number; seenAt: number }> = [];
  for (const s of stations) {
    if (s.seenAt === null) continue; // never reported: not an outage yet
    const silenced = (silences.get(s.id)?.until ?? 0) > now;
    const clockOff = s.clockOffSince != null;
    const silent = clockOff || now - s.seenAt > offlineAfterMs(s.intervalMinutes);
    const known = offline.get(s.id);
    if (silent && known === undefined && !silenced) wentOffline.push({ id: s.id, seenAt: clockOff ? s.clockOffSince! : s.seenAt, clockOff });
    if (!silent && known !== undefined) recovered.push({ id: s.id, offlineSince: known, seenAt: s.seenAt });
  }
  return { wentOffline, recovered };
}
