import type { RecipientRole } from './policy.js';

/**
 * The roster (值班表 and 责任人) as the rules ask it: who is on duty at a moment, and who holds a role
 * for a township. Plain data in, time passed in; the reference store supplies the records.
 */
export interface ShiftRecord {
  start: string;
  end: string;
  /** 带班领导 */
  leaderId: string;
  /** 值班员 */
  officerIds: string[];
}

export interface AssignmentRecord {
  townshipId: string;
  role: string;
  personId: string;
  /** First and last day it holds (local dates, YYYY-MM-DD); open when absent. */
  from?: string;
  to?: string;
}

export interface RosterRecords<S extends ShiftRecord = ShiftRecord> {
  shifts: readonly S[];
  assignments: readonly AssignmentRecord[];
  people: ReadonlyMap<string, { cityRoles: readonly string[] }>;
}

/** The shifts running at `t` (ms): start ≤ t < end. */
export function onDutyAt<S extends ShiftRecord>(shifts: readonly S[], t: number): S[] {
  return shifts.filter((s) => Date.parse(s.start) <= t && t < Date.parse(s.end));
}

/** The duty room at `t` (值班室): every 值班员 and 带班领导 of the shifts running, each once. */
export function dutyRoomAt(shifts: readonly ShiftRecord[], t: number): string[] {
  return [...new Set(onDutyAt(shifts, t).flatMap((s) => [...s.officerIds, s.leaderId]))];
}

/** Whether an assignment holds on local date `date` (YYYY-MM-DD). */
export function holdsOn(a: { from?: string; to?: string }, date: string): boolean {
  return (!a.from || a.from <= date) && (!a.to || a.to >= date);
}

/**
 * Who holds `role` for a township at `t`: 联系市领导, 乡镇主要负责人 and 责任人 from the assignments valid on
 * the local date; 值班员 and 带班领导 from the shifts running; 指挥长 from the people's city roles.
 */
export function holdersOf(roster: RosterRecords, townshipId: string, role: RecipientRole, t: number, localDate: string): string[] {
  switch (role) {
    case 'liaison-leader':
    case 'township-head':
    case 'object-keeper':
      return roster.assignments
        .filter((a) => a.townshipId === townshipId && a.role === role && holdsOn(a, localDate) && roster.people.has(a.personId))
        .map((a) => a.personId);
    case 'duty-officer':
      return [...new Set(onDutyAt(roster.shifts, t).flatMap((s) => s.officerIds))];
    case 'shift-leader':
      return [...new Set(onDutyAt(roster.shifts, t).map((s) => s.leaderId))];
    case 'commander':
      return [...roster.people].filter(([, p]) => p.cityRoles.includes('commander')).map(([id]) => id);
  }
}
