import { afterEach, describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { dutyCalendar, type IcsShift } from '../src/roster/ics.js';
import { zoneTransitions } from '../src/roster/vtimezone.js';

/**
 * The duty calendar read back by ical.js (Mozilla's iCalendar library, used by Thunderbird):
 * every shift must land on the instant it was written for, in whatever zone is configured,
 * including zones with daylight saving time and half-hour changes.
 */
afterEach(() => ICAL.TimezoneService.reset());

function shift(id: string, start: string, hours = 24): IcsShift {
  const t = Date.parse(start);
  return { id, start: t, end: t + hours * 3_600_000, role: 'duty-officer', sequence: 0, others: [] };
}

/** Parses the calendar the way a client does: register its VTIMEZONE, then read each event. */
function readBack(ics: string): Map<string, { start: number; end: number; tzid: string }> {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const zones = cal.getAllSubcomponents('vtimezone');
  expect(zones).toHaveLength(1);
  ICAL.TimezoneService.register(zones[0]!);
  const out = new Map<string, { start: number; end: number; tzid: string }>();
  for (const v of cal.getAllSubcomponents('vevent')) {
    const e = new ICAL.Event(v);
    out.set(e.uid, { start: e.startDate.toUnixTime() * 1000, end: e.endDate.toUnixTime() * 1000, tzid: e.startDate.zone.tzid });
  }
  return out;
}

const CASES: Array<[zone: string, shifts: IcsShift[]]> = [
  ['Asia/Shanghai', [shift('a', '2026-07-02T08:00:00+08:00')]],
  // Berlin: winter +01:00, summer +02:00; the second shift spans the change of 29 March 2026.
  [
    'Europe/Berlin',
    [
      shift('w', '2026-01-15T08:00:00+01:00'),
      shift('x', '2026-03-28T20:00:00+01:00'),
      shift('s', '2026-07-02T08:00:00+02:00'),
      shift('o', '2026-10-24T22:00:00+02:00'),
    ],
  ],
  ['America/New_York', [shift('w', '2026-01-15T08:00:00-05:00'), shift('s', '2026-07-02T08:00:00-04:00')]],
  // Southern hemisphere, and a zone whose summer time is only 30 minutes ahead.
  ['Australia/Lord_Howe', [shift('w', '2026-07-02T08:00:00+10:30'), shift('s', '2026-01-15T08:00:00+11:00')]],
];

describe('duty calendar time zones', () => {
  for (const [zone, shifts] of CASES) {
    it(`${zone}: every shift reads back at its own instant`, () => {
      const ics = dutyCalendar('测试', shifts, zone, Date.parse('2026-01-01T00:00:00Z'));
      expect(ics).toContain(`BEGIN:VTIMEZONE\r\nTZID:${zone}\r\n`);
      const events = readBack(ics);
      for (const s of shifts) {
        expect(events.get(`${s.id}@fangxun`)).toEqual({ start: s.start, end: s.end, tzid: zone });
      }
    });
  }

  it('finds the offset changes to the quarter-hour', () => {
    const changes = zoneTransitions('Europe/Berlin', Date.parse('2026-01-01T00:00:00Z'), Date.parse('2027-01-01T00:00:00Z'));
    expect(changes).toEqual([
      { at: Date.parse('2026-03-29T01:00:00Z'), from: 3_600_000, to: 7_200_000 },
      { at: Date.parse('2026-10-25T01:00:00Z'), from: 7_200_000, to: 3_600_000 },
    ]);
    expect(zoneTransitions('Asia/Shanghai', Date.parse('2026-01-01T00:00:00Z'), Date.parse('2027-01-01T00:00:00Z'))).toEqual([]);
  });
});
