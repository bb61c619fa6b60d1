import { seesAlert } from '../../auth/scope.js';
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import type { Services } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError, parseJson, validationError } from '../errors.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import type { Alert } from '../../domain/alerts/index.js';
import { accountabilityReport, reportCsv } from '../../alerts/report.js';
import { limitParam } from '../../store/streams.js';
import { acknowledgeBySms } from '../../inbound/smsReply.js';
import { actor } from './responses/index.js';
import { responseSummary } from './responses/view.js';
import { reply } from '../api.js';
import { ackBody, alertsApi, type alertViewSchema, arriveBody, declareBody, escalateBody, resolveBody, smsBody } from './alerts.api.js';
import { actorOf } from '../../store/audit.js';

/** JSON of an alert. Field names are the contract; times are ISO 8601. */
const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

export function alertView(a: Alert): z.input<typeof alertViewSchema> {
  return {
    id: a.id,
    kind: a.kind ?? 'warning',
    responseId: a.responseId ?? null,
    townshipId: a.townshipId,
    level: a.level,
    computedLevel: a.computedLevel,
    status: a.status,
    openedAt: iso(a.openedAt),
    raisedAt: iso(a.raisedAt),
    declared: a.declared ? { ...a.declared, at: iso(a.declared.at) } : null,
    reasons: a.reasons,
    lowering: a.lowering ? { since: iso(a.lowering.since) } : null,
    resolvedAt: iso(a.resolvedAt),
    resolvedBy: a.resolvedBy,
    resolveReason: a.resolveReason,
    recipients: a.recipients.map((r) => ({
      personId: r.personId,
      name: r.name,
      role: r.role,
      mustAck: r.mustAck,
      notifiedAt: iso(r.notifiedAt),
      notifiedLevel: r.notifiedLevel,
      deliveries: r.deliveries.map((d) => ({
        channel: d.channel,
        to: d.to,
        status: d.status,
        at: iso(d.at),
        attempt: d.attempt,
        provider: d.provider ?? null,
        error: d.error ?? null,
        messageId: d.messageId,
        providerMessageId: d.providerMessageId ?? null,
        receipt: d.receipt ? { ...d.receipt, at: iso(d.receipt.at) } : null,
      })),
      ackDeadline: iso(r.ackDeadline),
      ackedAt: iso(r.ackedAt),
      ackVia: r.ackVia,
      onBehalfOf: r.onBehalfOf,
      ackNote: r.ackNote,
      arriveDeadline: iso(r.arriveDeadline),
      arrivedAt: iso(r.arrivedAt),
      distanceM: r.distanceM,
      farFromPost: r.farFromPost,
      arrival: r.arrival ?? null,
      escalations: r.escalations.map((e) => ({ ...e, at: iso(e.at) })),
    })),
    messages: Object.values(a.messages).map((m) => ({
      id: m.id,
      personId: m.personId,
      kind: m.kind,
      level: m.level,
      status: m.status,
      aboutPersonId: m.aboutPersonId,
      createdAt: iso(m.createdAt),
    })),
    timeline: a.timeline.map((t) => ({ ...t, at: iso(t.at) })),
  };
}

/** A JSON body that may be left out entirely (then the schema's default applies). */
async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown;
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'invalid_json', 'The body is not valid JSON; send a JSON object or no body');
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

export function alertRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.use('/v1/alerts', requireRole(...STAFF_ROLES));
  app.use('/v1/alerts/*', requireRole(...STAFF_ROLES));

  const load = async (c: Context<AppEnv>) => {
    const stored = await svc.alerts.store.get(c.req.param('id') ?? '');
    if (!stored) throw new ApiError(404, 'not_found', `No alert with id "${c.req.param('id')}"; GET /v1/alerts lists them`);
    const p = c.get('principal')!;
    // A leader sees and answers only the alerts that notified them.
    if (!seesAlert(p, stored.alert)) {
      throw new ApiError(404, 'not_found', `No alert with id "${c.req.param('id')}" for you`);
    }
    return stored.alert;
  };

  app.get('/v1/alerts', async (c) => {
    const status = c.req.query('status');
    if (status && status !== 'open' && status !== 'resolved') throw new ApiError(400, 'validation_failed', 'status must be open or resolved');
    const townshipId = c.req.query('townshipId');
    const limit = limitParam(c.req.query('limit'), 200, 1000);
    const ref = await svc.reference.snapshot();
    const townships = townshipId ? [townshipId] : [...ref.townships.keys()];
    const ids = await svc.alerts.store.list(townships, limit);
    const p = c.get('principal')!;
    const alerts = (await svc.alerts.store.getMany(ids)).filter((a) => (!status || a.status === status) && seesAlert(p, a));
    return reply(c, alertsApi.listAlerts, alerts.map(alertView));
  });

  app.get('/v1/alerts/:id', async (c) => reply(c, alertsApi.getAlert, alertView(await load(c))));

  app.post('/v1/alerts/:id/ack', async (c) => {
    const alert = await load(c);
    const body = await readBody(c, ackBody);
    const p = c.get('principal')!;
    let personId: string;
    if (body.onBehalfOf) {
      if (p.role === 'leader') throw new ApiError(403, 'forbidden', 'Only duty officers and admins acknowledge on behalf of someone');
      personId = body.onBehalfOf;
    } else if (p.personId) {
      personId = p.personId;
    } else {
      throw new ApiError(400, 'validation_failed', 'This token belongs to no person: give onBehalfOf (the person you answer for) and a note');
    }
    const res = await svc.alerts.acknowledge(alert.id, personId, body.onBehalfOf ? 'duty-room' : 'api', {
      by: body.onBehalfOf ? actor(p) : undefined,
      note: body.note,
    });
    return reply(c, alertsApi.ackAlert, { outcome: res.outcome, alert: alertView(res.alert) });
  });

  app.post('/v1/alerts/:id/arrive', async (c) => {
    const alert = await load(c);
    const body = await readBody(c, arriveBody);
    const p = c.get('principal')!;
    const personId = body.personId && p.role !== 'leader' ? body.personId : p.personId;
    if (!personId) throw new ApiError(400, 'validation_failed', 'This token belongs to no person: give personId');
    const where = body.lat !== undefined && body.lon !== undefined ? { lat: body.lat, lon: body.lon } : null;
    const res = await svc.alerts.arrive(alert.id, personId, where);
    const r = res.alert.recipients.find((x) => x.personId === personId);
    return reply(c, alertsApi.arriveAlert, {
      outcome: res.outcome,
      arrivedAt: iso(r?.arrivedAt),
      distanceM: r?.distanceM ?? null,
      farFromPost: r?.farFromPost ?? null,
      alert: alertView(res.alert),
    });
  });

  app.post('/v1/alerts/:id/resolve', async (c) => {
    const alert = await load(c);
    const body = await parseJson(c, resolveBody);
    const resolved = await svc.alerts.resolve(alert.id, actor(c.get('principal')!), body.reason);
    return reply(c, alertsApi.resolveAlert, alertView(resolved));
  });

  app.post('/v1/alerts/:id/escalate', async (c) => {
    const alert = await load(c);
    const body = await readBody(c, escalateBody);
    const res = await svc.alerts.escalateNow(alert.id, body.personId ?? null, actor(c.get('principal')!), actorOf(c.get('principal')));
    return reply(c, alertsApi.escalateAlert, { steps: res.steps.map((s) => ({ ...s, due: iso(s.due)! })), alert: alertView(res.alert) });
  });

  /** Compatibility: a one-township response (POST /v1/responses with its scope); answers with the township's call-out. */
  app.post('/v1/townships/:id/declare', async (c) => {
    const ref = await svc.reference.snapshot({ fresh: true });
    const tid = c.req.param('id');
    if (!ref.townships.has(tid)) throw new ApiError(404, 'not_found', `No township with id "${tid.slice(0, 64)}"; GET /v1/townships lists them`);
    const body = await parseJson(c, declareBody);
    const response = await svc.responses.start(
      { level: body.level, scope: { townships: [tid] }, noticeNumber: body.notice, reason: body.reason },
      actor(c.get('principal')!),
    );
    const callout = (await svc.responses.callouts(response)).get(tid);
    if (!callout) throw new ApiError(503, 'not_ready', 'The response is recorded; its people are being notified. GET /v1/responses/' + response.id);
    return reply(c, alertsApi.declareLevel, { ...alertView(callout), response: responseSummary(response) });
  });

  /** An SMS reply: "1" or "收到" acknowledges that phone's newest open alert. */
  app.post('/v1/inbound/sms', async (c) => {
    const body = await parseJson(c, smsBody);
    return reply(c, alertsApi.inboundSms, await acknowledgeBySms(svc, body.from, body.text));
  });

  app.get('/v1/reports/accountability', async (c) => {
    const from = c.req.query('from');
    const to = c.req.query('to');
    const parse = (v: string | undefined, name: string) => {
      if (!v) return undefined;
      const t = Date.parse(v);
      if (Number.isNaN(t))
        throw new ApiError(400, 'validation_failed', `${name} must be an ISO 8601 date or time, e.g. 2026-07-01 or 2026-07-01T08:00:00+08:00`);
      return t;
    };
    const ref = await svc.reference.snapshot();
    const entries = await svc.alerts.store.ledger([...ref.townships.keys()]);
    const report = accountabilityReport(
      entries,
      { from: parse(from, 'from'), to: parse(to, 'to') },
      (id) => ref.people.get(id)?.name ?? id,
      (id) => ref.townships.get(id)?.name ?? id,
    );
    if ((c.req.header('accept') ?? '').includes('text/csv')) {
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="accountability.csv"; filename*=UTF-8''${encodeURIComponent('问责台账.csv')}`);
      return c.body(reportCsv(report, svc.config.levels.timezone, (id) => ref.townships.get(id)?.name ?? id));
    }
    return reply(c, alertsApi.accountabilityReport, report);
  });

  return app;
}
