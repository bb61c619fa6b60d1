import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { ApiError, parseJson } from '../errors.js';
import { actorOf } from '../../store/audit.js';
import { findGaps } from '../../roster/gaps.js';
import type { ReferenceSnapshot } from '../../reference/store.js';
import type { Shift } from '../../reference/schema.js';
import { reply } from '../api.js';
import { rosterApi, type shiftViewSchema, swapBody } from './roster.api.js';

/**
 * The duty roster (值班表) over HTTP: import of the office's monthly CSV, who is on duty now and
 * over a range, gaps, swaps with their history, and a calendar feed. Thin: the work is in
 * src/roster/service.ts.
 */
export function shiftView(s: Shift, ref: ReferenceSnapshot): z.input<typeof shiftViewSchema> {
  const person = (id: string) => ({ id, name: ref.people.get(id)?.name ?? id });
  return {
    id: s.id,
    start: s.start,
    end: s.end,
    leaderId: s.leaderId,
    officerIds: s.officerIds,
    phone: s.phone ?? null,
    leader: person(s.leaderId),
    officers: s.officerIds.map(person),
  };
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
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send the roster CSV as the body with Content-Type: text/csv (got ${type || 'none'}), or as multipart field "file"`,
    );
  }
  return new Uint8Array(await c.req.arrayBuffer());
}

const gapView = (g: { from: number; to: number; missing: Array<'duty-officer' | 'shift-leader'> }) => ({
  from: new Date(g.from).toISOString(),
  to: new Date(g.to).toISOString(),
  missing: g.missing,
});

export function rosterRoutes(svc: Services) {
  const app = new Hono<AppEnv>();

  app.post('/v1/admin/shifts/import', async (c) => {
    const startHour = c.req.query('startHour') === undefined ? svc.config.levels.dayStartHour : Number(c.req.query('startHour'));
    if (!Number.isInteger(startHour) || startHour < 0 || startHour > 23) throw new ApiError(400, 'validation_failed', 'startHour must be an hour 0–23');
    const year = c.req.query('year') === undefined ? new Date(svc.now()).getUTCFullYear() : Number(c.req.query('year'));
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new ApiError(400, 'validation_failed', 'year must be like 2026');
    const dryRun = ['1', 'true', 'yes'].includes(c.req.query('dryRun') ?? '');
    const bytes = await csvBody(c);
    const out = await svc.roster.importCsv(bytes, { dryRun, startHour, year }, { ...actorOf(c.get('principal')), requestId: c.get('requestId') });
    const { problems } = out;
    if (problems.length) {
      throw new ApiError(
        422,
        'roster_rejected',
        `Nothing was imported: ${problems.length} problem(s), first on row ${problems[0]!.row}: ${problems[0]!.message}`,
        problems.map((p) => ({
          path: `rows[${p.row}]${p.column ? `.${p.column}` : ''}`,
          row: p.row,
          ...(p.column ? { column: p.column } : {}),
          message: p.message,
        })),
      );
    }
    if (out.shifts.length === 0) throw new ApiError(422, 'roster_rejected', 'The file has no shifts (a header row and one row per day are expected)', []);
    const ref = await svc.reference.snapshot();
    return reply(c, rosterApi.importShifts, {
      dryRun,
      encoding: out.encoding,
      ...out.counts,
      shifts: out.shifts.map((x) => ({ ...shiftView(x.record, ref), change: x.change })),
      gaps: out.gaps.map(gapView),
    });
  });

  app.get('/v1/duty/now', async (c) => {
    const ref = await svc.reference.snapshot();
    const now = svc.now();
    const current = ref.shifts.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
    const next = ref.shifts.find((s) => Date.parse(s.start) > now);
    return reply(c, rosterApi.dutyNow, {
      now: new Date(now).toISOString(),
      current: current.map((s) => shiftView(s, ref)),
      next: next ? shiftView(next, ref) : null,
    });
  });

  app.get('/v1/duty', async (c) => {
    const now = svc.now();
    const from = instant(c.req.query('from'), 'from', now - 86_400_000);
    const to = instant(c.req.query('to'), 'to', now + 7 * 86_400_000);
    if (from > to) throw new ApiError(400, 'validation_failed', 'from must not be after to');
    if (to - from > 366 * 86_400_000) throw new ApiError(400, 'validation_failed', 'the range may span at most 366 days');
    const ref = await svc.reference.snapshot();
    return reply(
      c,
      rosterApi.listDuty,
      ref.shifts.filter((s) => Date.parse(s.end) > from && Date.parse(s.start) < to).map((s) => shiftView(s, ref)),
    );
  });

  app.get('/v1/duty/gaps', async (c) => {
    const days = c.req.query('days') === undefined ? 14 : Number(c.req.query('days'));
    if (!Number.isInteger(days) || days < 1 || days > 92) throw new ApiError(400, 'validation_failed', 'days must be 1–92');
    const ref = await svc.reference.snapshot();
    const now = svc.now();
    return reply(c, rosterApi.dutyGaps, findGaps(ref.shifts, now, now + days * 86_400_000).map(gapView));
  });

  app.post('/v1/admin/shifts/:id/swap', async (c) => {
    const body = await parseJson(c, swapBody);
    const out = await svc.roster.swap(c.req.param('id'), body, { ...actorOf(c.get('principal')), requestId: c.get('requestId') });
    const ref = await svc.reference.snapshot({ fresh: true });
    const exchanged = out.exchanged ? { ...shiftView(out.exchanged.shift, ref), version: out.exchanged.version } : null;
    return reply(c, rosterApi.swapShift, { ...shiftView(out.shift, ref), version: out.version, reason: body.reason ?? null, exchanged });
  });

  app.get('/v1/admin/shifts/:id/history', async (c) => reply(c, rosterApi.shiftHistory, await svc.roster.history(c.req.param('id'))));

  /**
   * Calendar feed for phone calendars, which cannot send headers: the token is in the query, so
   * it is a calendar token (read-only, one person's feed, revocable), never a staff token, which
   * would leak through calendar apps, sync services and logs.
   */
  app.get('/v1/duty.ics', async (c) => {
    const principal = await svc.credentials.resolve(c.req.query('token') ?? '');
    if (!principal) throw new ApiError(401, 'unauthorized', 'Add ?token=<calendar token> to the calendar address (POST /v1/admin/calendar-tokens issues one)');
    if (principal.role !== 'calendar' || !principal.personId) {
      throw new ApiError(
        403,
        'calendar_token_required',
        'A staff token must not go into a calendar address; ask an administrator for a calendar token (POST /v1/admin/calendar-tokens) and revoke this one if it was shared',
      );
    }
    const personId = principal.personId;
    if (c.req.query('personId') && c.req.query('personId') !== personId)
      throw new ApiError(403, 'forbidden', "A calendar token shows only its own person's shifts");
    const ics = await svc.roster.calendar(personId);
    if (ics === null) throw new ApiError(404, 'not_found', `No person "${personId}"`);
    c.header('Content-Type', 'text/calendar; charset=utf-8');
    c.header('Cache-Control', 'no-store');
    return c.body(ics);
  });

  return app;
}
