import { Hono, type Context } from 'hono';
import { AppError } from '../../domain/errors.js';
import type { z } from 'zod';
import type { Services } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError, parseJson } from '../errors.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import { actorOf, readAudit } from '../../store/audit.js';
import { decodeText, parseCsv, rosterShifts } from '../../roster/csv.js';
import { findGaps } from '../../roster/gaps.js';
import { dutyCalendar } from '../../roster/ics.js';
import { zoneOffset } from '../../domain/hydroDay.js';
import { localTimeText } from '../../domain/wording.js';
import { RecordStore } from '../../reference/records.js';
import type { ReferenceSnapshot } from '../../reference/store.js';
import type { Shift } from '../../reference/schema.js';
import { reply } from '../api.js';
import { dutyApi, shiftViewSchema, swapBody } from './duty.api.js';

/**
 * The duty roster: import of the office's monthly 值班表 (CSV, UTF-8 or GB18030), who is on
 * duty now and over a range, gaps, swaps with their history, and a calendar feed.
 */
function shiftView(s: Shift, ref: ReferenceSnapshot): z.input<typeof shiftViewSchema> {
  const person = (id: string) => ({ id, name: ref.people.get(id)?.name ?? id });
  return { id: s.id, start: s.start, end: s.end, leaderId: s.leaderId, officerIds: s.officerIds, phone: s.phone ?? null, leader: person(s.leaderId), officers: s.officerIds.map(person) };
}

function instant(raw: string | undefined, name: string, fallback: number): number {
  if (!raw) return fallback;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00+08:00` : raw);
  if (Number.isNaN(t)) throw new ApiError(400, 'validation_failed', `${name} must be a date (2026-07-01) or an ISO 8601 time with offset`);
  return t;
}

async function csvBody(c: Context): Promise<Uint8Array> {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) throw new ApiError(400, 'validation_failed', 'Upload the roster as the multipart field "file"');
    return new Uint8Array(await file.arrayBuffer());
  }
  if (!/text\/csv|application\/csv|text\/plain|application\/octet-stream/.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', `Send the roster CSV as the body with Content-Type: text/csv (got ${type || 'none'}), or as multipart field "file"`);
  }
  return new Uint8Array(await c.req.arrayBuffer());
}

export function dutyRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  const records = new RecordStore(svc.redis, svc.keys, svc.reference, svc.now);
  const tz = svc.config.levels.timezone;

  app.post('/v1/admin/shifts/import', requireRole('admin'), async (c) => {
    const startHour = c.req.query('startHour') === undefined ? svc.config.levels.dayStartHour : Number(c.req.query('startHour'));
    if (!Number.isInteger(startHour) || startHour < 0 || startHour > 23) throw new ApiError(400, 'validation_failed', 'startHour must be an hour 0–23');
    const year = c.req.query('year') === undefined ? new Date(svc.now()).getUTCFullYear() : Number(c.req.query('year'));
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new ApiError(400, 'validation_failed', 'year must be like 2026');
    const dryRun = ['1', 'true', 'yes'].includes(c.req.query('dryRun') ?? '');
    const { text, encoding } = decodeText(await csvBody(c));
    const ref = await svc.reference.snapshot({ fresh: true });
    const { shifts, problems } = rosterShifts(parseCsv(text), [...ref.people.values()], { startHour, offsetMinutes: zoneOffset(svc.now(), tz) / 60_000, year });
    if (problems.length) {
      throw new ApiError(422, 'roster_rejected', `Nothing was imported: ${problems.length} problem(s), first on row ${problems[0]!.row}: ${problems[0]!.message}`, problems.map((p) => ({ path: `rows[${p.row}]${p.column ? `.${p.column}` : ''}`, ...p })));
    }
    if (shifts.length === 0) throw new ApiError(422, 'roster_rejected', 'The file has no shifts (a header row and one row per day are expected)', []);
    const changes = shifts.map((s) => {
      const before = ref.shifts.find((x) => x.id === s.id);
      const { row: _row, ...record } = s;
      const same = before && before.start === s.start && before.end === s.end && before.leaderId === s.leaderId && before.officerIds.join() === s.officerIds.join() && (before.phone ?? '') === (s.phone ?? '');
      return { record, change: !before ? 'created' : same ? 'unchanged' : 'updated', before };
    });
    const counts = { created: 0, updated: 0, unchanged: 0 };
    for (const x of changes) counts[x.change as keyof typeof counts]++;
    if (!dryRun) {
      const name = (pid: string) => ref.people.get(pid)?.name ?? pid;
      const people = (s: Pick<Shift, 'leaderId' | 'officerIds'>) => [s.leaderId, ...s.officerIds];
      const result = await svc.reference.importDataset({ shifts: changes.filter((x) => x.change !== 'unchanged').map((x) => x.record) }, { ...actorOf(c.get('principal')), action: 'shifts.import', requestId: c.get('requestId') });
      if (!result.ok) throw new ApiError(422, 'roster_rejected', `Nothing was imported: ${result.issues[0]?.path}: ${result.issues[0]?.message}`, result.issues);
      // Changed shifts are told to everyone on them before and after.
      for (const x of changes.filter((y) => y.change === 'updated' && y.before)) {
        const after = x.record as Shift;
        await svc.notices.send({
          kind: 'shift-change',
          key: `shift-change:${after.id}:${c.get('requestId')}`,
          title: '【值班调整】',
          text: `${localTimeText(Date.parse(after.start), tz)} 至 ${localTimeText(Date.parse(after.end), tz)} 的值班已调整：带班领导${name(after.leaderId)}，值班员${after.officerIds.map(name).join('、')}。`,
          personIds: [...new Set([...people(x.before!), ...people(after)])],
        });
      }
    }
    return reply(c, dutyApi.importShifts, {
      dryRun,
      encoding,
      ...counts,
      shifts: changes.map((x) => ({ ...shiftView(x.record as Shift, ref), change: x.change as 'created' | 'updated' | 'unchanged' })),
    });
  });

  app.get('/v1/duty/now', requireRole(...STAFF_ROLES), async (c) => {
    const ref = await svc.reference.snapshot();
    const now = svc.now();
    const current = ref.shifts.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
    const next = ref.shifts.find((s) => Date.parse(s.start) > now);
    return reply(c, dutyApi.dutyNow, { now: new Date(now).toISOString(), current: current.map((s) => shiftView(s, ref)), next: next ? shiftView(next, ref) : null });
  });

  app.get('/v1/duty', requireRole(...STAFF_ROLES), async (c) => {
    const now = svc.now();
    const from = instant(c.req.query('from'), 'from', now - 86_400_000);
    const to = instant(c.req.query('to'), 'to', now + 7 * 86_400_000);
    if (from > to) throw new ApiError(400, 'validation_failed', 'from must not be after to');
    if (to - from > 366 * 86_400_000) throw new ApiError(400, 'validation_failed', 'the range may span at most 366 days');
    const ref = await svc.reference.snapshot();
    return reply(c, dutyApi.listDuty, ref.shifts.filter((s) => Date.parse(s.end) > from && Date.parse(s.start) < to).map((s) => shiftView(s, ref)));
  });

  app.get('/v1/duty/gaps', requireRole(...STAFF_ROLES), async (c) => {
    const days = c.req.query('days') === undefined ? 14 : Number(c.req.query('days'));
    if (!Number.isInteger(days) || days < 1 || days > 92) throw new ApiError(400, 'validation_failed', 'days must be 1–92');
    const ref = await svc.reference.snapshot();
    const now = svc.now();
    return reply(c, dutyApi.dutyGaps, findGaps(ref.shifts, now, now + days * 86_400_000).map((g) => ({ from: new Date(g.from).toISOString(), to: new Date(g.to).toISOString(), missing: g.missing })));
  });

  app.post('/v1/admin/shifts/:id/swap', requireRole('admin', 'duty'), async (c) => {
    const id = c.req.param('id');
    const body = await parseJson(c, swapBody);
    const ref = await svc.reference.snapshot({ fresh: true });
    const stored = await records.get('shifts', id);
    if (!stored) throw new ApiError(404, 'not_found', `No shift "${id}"`);
    const shift = stored.record as Shift;
    if (!ref.people.has(body.to)) throw new ApiError(422, 'unknown_person', `No person "${body.to}"`);
    let updated: Shift;
    if (shift.leaderId === body.from) updated = { ...shift, leaderId: body.to };
    else if (shift.officerIds.includes(body.from)) updated = { ...shift, officerIds: shift.officerIds.map((o) => (o === body.from ? body.to : o)) };
    else throw new ApiError(422, 'not_on_shift', `${body.from} is not on shift ${id} (leader ${shift.leaderId}, officers ${shift.officerIds.join(', ')})`);
    if (new Set([updated.leaderId, ...updated.officerIds]).size !== 1 + updated.officerIds.length) {
      throw new ApiError(422, 'already_on_shift', `${body.to} is already on shift ${id}`);
    }
    const out = await records.write('shifts', id, updated, stored.version, { ...actorOf(c.get('principal')), action: 'shifts.swap', before: shift, requestId: c.get('requestId') });
    if (!out.ok) throw new AppError(out.code, out.message);
    const name = (pid: string) => ref.people.get(pid)?.name ?? pid;
    const role = shift.leaderId === body.from ? '带班领导' : '值班员';
    await svc.notices.send({
      kind: 'shift-change',
      key: `shift-change:${id}:${out.version}`,
      title: '【值班调整】',
      text: `${localTimeText(Date.parse(shift.start), tz)} 至 ${localTimeText(Date.parse(shift.end), tz)} 的${role}由${name(body.from)}调整为${name(body.to)}${body.reason ? `（${body.reason}）` : ''}。`,
      personIds: [body.from, body.to],
    });
    return reply(c, dutyApi.swapShift, { ...shiftView(updated, await svc.reference.snapshot({ fresh: true })), version: out.version, reason: body.reason ?? null });
  });

  app.get('/v1/admin/shifts/:id/history', requireRole('admin', 'duty'), async (c) => {
    const entries = await readAudit(svc.redis, svc.keys, { limit: 500, target: `shifts/${c.req.param('id')}` });
    return reply(c, dutyApi.shiftHistory, entries);
  });

  /**
   * Calendar feed for phone calendars, which cannot send headers: the token is in the query, so
   * it is a calendar token (read-only, one person's feed, revocable), never a staff token, which
   * would leak through calendar apps, sync services and logs.
   */
  app.get('/v1/duty.ics', async (c) => {
    const principal = await svc.credentials.resolve(c.req.query('token') ?? '');
    if (!principal) throw new ApiError(401, 'unauthorized', 'Add ?token=<calendar token> to the calendar address (POST /v1/admin/calendar-tokens issues one)');
    if (principal.role !== 'calendar' || !principal.personId) {
      throw new ApiError(403, 'calendar_token_required', 'A staff token must not go into a calendar address; ask an administrator for a calendar token (POST /v1/admin/calendar-tokens) and revoke this one if it was shared');
    }
    const personId = principal.personId;
    if (c.req.query('personId') && c.req.query('personId') !== personId) throw new ApiError(403, 'forbidden', 'A calendar token shows only its own person\'s shifts');
    const ref = await svc.reference.snapshot();
    const person = ref.people.get(personId);
    if (!person) throw new ApiError(404, 'not_found', `No person "${personId}"`);
    const mine = ref.shifts.filter((s) => s.leaderId === personId || s.officerIds.includes(personId));
    const versions = await Promise.all(mine.map((s) => records.get('shifts', s.id)));
    const name = (id: string) => ref.people.get(id)?.name ?? id;
    const ics = dutyCalendar(
      person.name,
      mine.map((s, i) => ({
        id: s.id,
        start: Date.parse(s.start),
        end: Date.parse(s.end),
        role: s.leaderId === personId ? 'shift-leader' : 'duty-officer',
        sequence: Math.max(0, (versions[i]?.version ?? 1) - 1),
        phone: s.phone,
        others: [s.leaderId, ...s.officerIds].filter((x) => x !== personId).map(name),
      })),
      tz,
      svc.now(),
    );
    c.header('Content-Type', 'text/calendar; charset=utf-8');
    c.header('Cache-Control', 'no-store');
    return c.body(ics);
  });

  return app;
}
