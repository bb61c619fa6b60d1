import { Hono, type Context } from 'hono';
import type { HttpServices } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError, readJson } from '../errors.js';
import { actorOf } from '../../store/audit.js';
import { COLLECTIONS, type Collection, type ReferenceSnapshot } from '../../reference/store.js';
import { holdsOn } from '../../domain/roster.js';
import { recordId, type WriteOutcome } from '../../reference/records.js';
import type { Assignment } from '../../reference/schema.js';
import { localParts } from '../../domain/hydroDay.js';
import { reply, type Operation } from '../api.js';
import { referenceApi } from './reference.api.js';
import { AppError } from '../../domain/errors.js';

/**
 * CRUD for the reference data under /v1/admin/<collection>: townships, stations, people,
 * assignments, shifts. Every answer carries the record's `version` (and an ETag); a change
 * needs `If-Match: "<version>"` or `"version": n` in the body, so two admins editing at
 * once get 412 instead of overwriting each other. Deletes that would leave the roster
 * broken are refused with 409 and the reason.
 */
function today(svc: HttpServices): string {
  const p = localParts(svc.now(), svc.config.levels.timezone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

const current = (a: Assignment, date: string) => holdsOn(a, date);

/** Why deleting this record would break something, or null. */
export function deleteBlocker(c: Collection, id: string, ref: ReferenceSnapshot, now: number, date: string): { message: string; details: unknown } | null {
  if (c === 'townships') {
    const stations = (ref.stationsByTownship.get(id) ?? []).map((s) => s.id);
    const assignments = ref.assignments.filter((a) => a.townshipId === id);
    if (stations.length || assignments.length) {
      return {
        message: `Township ${id} still has ${stations.length} station(s) and ${assignments.length} assignment(s); move or delete them first`,
        details: { stations, assignments },
      };
    }
  }
  if (c === 'people') {
    const shifts = ref.shifts.filter((s) => Date.parse(s.end) > now && (s.leaderId === id || s.officerIds.includes(id))).map((s) => s.id);
    if (shifts.length)
      return { message: `${id} is on ${shifts.length} current or future shift(s); swap them out first (POST /v1/admin/shifts/:id/swap)`, details: { shifts } };
    const mine = ref.assignments.filter((a) => a.personId === id);
    const sole = mine.filter(
      (a) =>
        a.role === 'liaison-leader' &&
        current(a, date) &&
        !ref.assignments.some((b) => b !== a && b.townshipId === a.townshipId && b.role === 'liaison-leader' && current(b, date) && ref.people.has(b.personId)),
    );
    if (sole.length)
      return {
        message: `${id} is the only liaison leader of ${sole.map((a) => a.townshipId).join(', ')}; assign a replacement first`,
        details: { townships: sole.map((a) => a.townshipId) },
      };
    if (mine.length)
      return {
        message: `${id} still has ${mine.length} assignment(s); delete them first (DELETE /v1/admin/assignments/:id)`,
        details: { assignments: mine.map((a) => recordId('assignments', a)) },
      };
  }
  if (c === 'assignments') {
    const a = ref.assignments.find((x) => recordId('assignments', x) === id);
    if (
      a &&
      a.role === 'liaison-leader' &&
      current(a, date) &&
      !ref.assignments.some((b) => b !== a && b.townshipId === a.townshipId && b.role === 'liaison-leader' && current(b, date))
    ) {
      return { message: `This is the only liaison leader of township ${a.townshipId}; assign a replacement first`, details: { townshipId: a.townshipId } };
    }
  }
  return null;
}

function expectedVersion(c: Context, body: Record<string, unknown>): number {
  const header = c.req.header('if-match');
  const fromHeader = header ? Number(header.replace(/^W\//, '').replaceAll('"', '')) : undefined;
  const fromBody = body.version;
  if (fromHeader !== undefined && Number.isFinite(fromHeader)) return fromHeader;
  if (typeof fromBody === 'number') return fromBody;
  throw new ApiError(
    428,
    'precondition_required',
    'Send the version you edited: header If-Match: "<version>" or "version": n in the body (GET the record for its version)',
  );
}

function answer(c: Context, outcome: WriteOutcome, op: Operation) {
  if (!outcome.ok)
    throw new AppError(
      outcome.code,
      outcome.message,
      outcome.details ?? (outcome.currentVersion !== undefined ? { currentVersion: outcome.currentVersion } : null),
    );
  c.header('ETag', `"${outcome.version}"`);
  // Records are the collection schema's own output (records.check parsed them), plus their version.
  return reply(c, op, { ...(outcome.record as object), version: outcome.version } as never);
}

export function referenceRoutes(svc: HttpServices) {
  const app = new Hono<AppEnv>();
  const records = svc.records;

  const dirtyFor = (c: Collection, id: string, record: unknown, ref: ReferenceSnapshot): string[] => {
    if (c === 'stations') return [id];
    if (c === 'townships') return (ref.stationsByTownship.get(id) ?? []).map((s) => s.id);
    void record;
    return [];
  };

  for (const c of COLLECTIONS) {
    const base = `/v1/admin/${c}`;
    app.use(base, requireRole('admin'));
    app.use(`${base}/*`, requireRole('admin'));

    const ops = Object.values(referenceApi[c]);
    const op = (method: Operation['method'], path: string) => ops.find((o) => o.method === method && o.path === path)!;
    const one = `${base}/{id}`;
    app.get(base, async (ctx) => reply(ctx, op('get', base), (await records.list(c)).map((r) => ({ ...(r.record as object), version: r.version })) as never));

    app.get(`${base}/:id`, async (ctx) => {
      const found = await records.get(c, ctx.req.param('id'));
      if (!found) throw new ApiError(404, 'not_found', `No ${c} record "${ctx.req.param('id')}"`);
      ctx.header('ETag', `"${found.version}"`);
      return reply(ctx, op('get', one), { ...(found.record as object), version: found.version } as never);
    });

    app.post(base, async (ctx) => {
      const body = (await readJson(ctx)) as Record<string, unknown>;
      const { version: _v, ...input } = body ?? {};
      const ref = await svc.reference.snapshot({ fresh: true });
      const checked = await records.check(c, input, ref);
      if (!checked.ok)
        throw new ApiError(422, 'validation_failed', `The ${c} record is not valid: ${checked.issues[0]?.path}: ${checked.issues[0]?.message}`, checked.issues);
      const id = recordId(c, checked.record);
      const out = await records.write(
        c,
        id,
        checked.record,
        'absent',
        { ...actorOf(ctx.get('principal')), action: `${c}.create`, before: null, requestId: ctx.get('requestId') },
        dirtyFor(c, id, checked.record, ref),
      );
      if (out.ok) svc.kicker.kick();
      return answer(ctx, out, op('post', base));
    });

    app.put(`${base}/:id`, async (ctx) => {
      const id = ctx.req.param('id');
      const body = (await readJson(ctx)) as Record<string, unknown>;
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new ApiError(400, 'validation_failed', `Send the whole ${c} record as a JSON object`);
      const expected = expectedVersion(ctx, body);
      const { version: _v, ...input } = body;
      const ref = await svc.reference.snapshot({ fresh: true });
      const checked = await records.check(c, c === 'shifts' ? { ...input, id } : input, ref);
      if (!checked.ok)
        throw new ApiError(422, 'validation_failed', `The ${c} record is not valid: ${checked.issues[0]?.path}: ${checked.issues[0]?.message}`, checked.issues);
      if (recordId(c, checked.record) !== id)
        throw new ApiError(
          422,
          'id_mismatch',
          `The record's id (${recordId(c, checked.record)}) differs from the URL (${id}); ids cannot be changed, create a new record instead`,
        );
      const before = await records.get(c, id);
      const out = await records.write(
        c,
        id,
        checked.record,
        expected,
        { ...actorOf(ctx.get('principal')), action: `${c}.update`, before: before?.record ?? null, requestId: ctx.get('requestId') },
        dirtyFor(c, id, checked.record, ref),
      );
      if (out.ok) svc.kicker.kick();
      return answer(ctx, out, op('put', one));
    });

    app.delete(`${base}/:id`, async (ctx) => {
      const id = ctx.req.param('id');
      const ref = await svc.reference.snapshot({ fresh: true });
      const before = await records.get(c, id);
      if (!before) throw new ApiError(404, 'not_found', `No ${c} record "${id}"`);
      const blocker = deleteBlocker(c, id, ref, svc.now(), today(svc));
      if (blocker) throw new ApiError(409, 'in_use', blocker.message, blocker.details);
      const header = ctx.req.header('if-match');
      const expected = header ? Number(header.replace(/^W\//, '').replaceAll('"', '')) : null;
      const out = await records.write(c, id, null, expected !== null && Number.isFinite(expected) ? expected : null, {
        ...actorOf(ctx.get('principal')),
        action: `${c}.delete`,
        before: before.record,
        requestId: ctx.get('requestId'),
      });
      if (!out.ok) return answer(ctx, out, op('delete', one));
      // A deleted person's tokens end with them (their answer links stop at the answer route).
      if (c === 'people') await svc.credentials.revokeTokensOf(id);
      return ctx.body(null, 204);
    });
  }
  return app;
}
