/**
 * Gaps in the roster: every moment in [from, to) not covered by a shift with at least one
 * duty officer (值班员) and a shift leader (带班领导), merged into intervals. Pure.
 */
export type GapRole = 'duty-officer' | 'shift-leader';

export interface Gap {
  from: number;
  to: number;
  missing: GapRole[];
}

export function findGaps(
  shifts: ReadonlyArray<{ start: string; end: string; leaderId?: string; officerIds?: readonly string[] }>,
  from: number,
  to: number,
): Gap[] {
  const points = new Set<number>([from, to]);
  for (const s of shifts) {
    const a = Date.parse(s.start);
    const b = Date.parse(s.end);
    if (b > from && a < to) {
      points.add(Math.max(a, from));
      points.add(Math.min(b, to));
    }
  }
  const sorted = [...points].sort((x, y) => x - y);
  const gaps: Gap[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    const covering = shifts.filter((s) => Date.parse(s.start) <= a && Date.parse(s.end) >= b);
    const missing: GapRole[] = [];
    if (!covering.some((s) => (s.officerIds?.length ?? 0) > 0)) missing.push('duty-officer');
    if (!covering.some((s) => Boolean(s.leaderId))) missing.push('shift-leader');
    if (missing.length === 0) continue;
    const last = gaps.at(-1);
    if (last && last.to === a && last.missing.join() === missing.join()) last.to = b;
    else gaps.push({ from: a, to: b, missing });
  }
  return gaps;
}
