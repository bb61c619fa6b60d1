import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { HttpServices } from '../../services.js';
import type { TokenRecord } from '../../auth/credentials.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError, parseJson, readJson } from '../errors.js';
import { checkYaml } from '../../config/load.js';
import { datasetSchema } from '../../reference/schema.js';
import { actorOf } from '../../store/audit.js';
import { describeIssues, type InputIssue } from '../../lib/issues.js';
import { limitParam } from '../../store/streams.js';
import { reply } from '../api.js';
import { adminApi, calendarTokenBody, gaugeKeyBody, tokenBody } from './admin.api.js';

const isStaffToken = (t: TokenRecord): t is TokenRecord & { role: 'admin' | 'duty' | 'leader' } => t.role !== 'calendar';
const isCalendarToken = (t: TokenRecord): t is TokenRecord & { role: 'calendar'; personId: string } => t.role === 'calendar' && t.personId !== null;

function rejected(issues: InputIssue[]) {
  return new ApiError(422, 'import_rejected', `Nothing was imported: ${issues.length} problem(s), first: ${describeIssues(issues.slice(0, 1))}`, issues);
}

/** Admin routes of the foundation: dataset import, gauge keys, quarantine. */
export function adminRoutes(svc: HttpServices) {
  const app = new Hono<AppEnv>();
  // Safety net for everything under /v1/admin: office staff only. Each route states its own role too.
  app.use('/v1/admin/*', requireRole('admin', 'duty'));
  const who = (c: Context<AppEnv>) => actorOf(c.get('principal'), c.get('requestId'));

  /** Every admin change, newest first. */
  app.get('/v1/admin/audit', async (c) => {
    const limit = limitParam(c.req.query('limit'), 200, 5000);
    const entries = await svc.audit.read({ limit, target: c.req.query('target'), action: c.req.query('action') });
    return reply(c, adminApi.listAudit, entries);
  });

  app.post('/v1/admin/import', async (c) => {
    const type = c.req.header('content-type') ?? '';
    let body: unknown;
    if (/yaml/i.test(type)) {
      const text = await c.req.text();
      const syntax = checkYaml(text, z.unknown());
      if (!syntax.ok) throw new ApiError(400, 'invalid_yaml', `The YAML body could not be read: ${describeIssues(syntax.issues)}`, syntax.issues);
      // Checked against the dataset schema here so problems carry their line numbers.
      const shaped = checkYaml(text, datasetSchema);
      if (!shaped.ok) throw rejected(shaped.issues);
      body = shaped.data;
    } else {
      body = await readJson(c);
    }
    const result = await svc.reference.importDataset(body, { ...actorOf(c.get('principal')), action: 'dataset.import', requestId: c.get('requestId') });
    if (!result.ok) {
      throw rejected(result.issues);
    }
    if (result.dirtyStations > 0) svc.kicker.kick();
    return reply(c, adminApi.importDataset, result);
  });

  app.post('/v1/admin/gauge-keys', async (c) => {
    const body = await parseJson(c, gaugeKeyBody);
    if (!body.stations.includes('*')) {
      const ref = await svc.reference.snapshot();
      const unknown = body.stations.filter((s) => !ref.stations.has(s));
      if (unknown.length > 0) {
        throw new ApiError(
          422,
          'unknown_station',
          `Unknown station(s): ${unknown.join(', ')}`,
          unknown.map((s) => ({ path: 'stations', message: `unknown station "${s}"` })),
        );
      }
    }
    const { id, key, record } = await svc.credentials.createGaugeKey(body.name, body.stations, who(c));
    svc.log.info({ gaugeKeyId: id, name: body.name }, 'gauge key created');
    return reply(c, adminApi.createGaugeKey, { id, key, name: record.name, stations: record.stations, createdAt: record.createdAt });
  });

  app.post('/v1/admin/tokens', async (c) => {
    const body = await parseJson(c, tokenBody);
    if (body.personId) {
      const ref = await svc.reference.snapshot();
      if (!ref.people.has(body.personId)) throw new ApiError(422, 'unknown_person', `No person with id "${body.personId}"; import or create the person first`);
    }
    const { id, token, record } = await svc.credentials.createToken(body.role, body.personId, body.name, who(c));
    svc.log.info({ tokenId: id, role: body.role, personId: body.personId }, 'token created');
    return reply(c, adminApi.createToken, { ...record, role: body.role, token });
  });

  app.get('/v1/admin/tokens', async (c) => reply(c, adminApi.listTokens, (await svc.credentials.listTokens()).filter(isStaffToken)));

  /** Calendar tokens: one person's duty calendar feed, nothing else; for the URL a phone calendar subscribes to. */
  app.post('/v1/admin/calendar-tokens', async (c) => {
    const body = await parseJson(c, calendarTokenBody);
    const ref = await svc.reference.snapshot({ fresh: true });
    if (!ref.people.has(body.personId)) throw new ApiError(422, 'unknown_person', `No person with id "${body.personId}"; import or create the person first`);
    const { token, record } = await svc.credentials.createToken('calendar', body.personId, body.name ?? 'calendar', who(c));
    const url = `${svc.config.policy.publicUrl.replace(/\/$/, '')}/v1/duty.ics?token=${encodeURIComponent(token)}`;
    return reply(c, adminApi.createCalendarToken, { ...record, role: 'calendar', personId: body.personId, token, url });
  });

  app.get('/v1/admin/calendar-tokens', async (c) => reply(c, adminApi.listCalendarTokens, (await svc.credentials.listTokens()).filter(isCalendarToken)));

  app.delete('/v1/admin/calendar-tokens/:id', async (c) => {
    const id = c.req.param('id');
    const known = (await svc.credentials.listTokens()).some((t) => t.id === id && t.role === 'calendar');
    if (!known || !(await svc.credentials.revokeToken(id, who(c), 'calendar-tokens.revoke')))
      throw new ApiError(404, 'not_found', 'No calendar token with this id; GET /v1/admin/calendar-tokens lists them');
    return c.body(null, 204);
  });

  app.delete('/v1/admin/tokens/:id', async (c) => {
    const revoked = await svc.credentials.revokeToken(c.req.param('id'), who(c));
    if (!revoked) throw new ApiError(404, 'not_found', `No token with id "${c.req.param('id')}"`);
    svc.log.info({ tokenId: c.req.param('id') }, 'token revoked');
    return c.body(null, 204);
  });

  app.get('/v1/admin/gauge-keys', async (c) => reply(c, adminApi.listGaugeKeys, await svc.credentials.listGaugeKeys()));

  app.delete('/v1/admin/gauge-keys/:id', async (c) => {
    const revoked = await svc.credentials.revokeGaugeKey(c.req.param('id'), who(c));
    if (!revoked) throw new ApiError(404, 'not_found', `No gauge key with id "${c.req.param('id')}"`);
    svc.log.info({ gaugeKeyId: c.req.param('id') }, 'gauge key revoked');
    return c.body(null, 204);
  });

  /** What kind of deployment this is: tools that write (replay:storm) refuse a live one unless told. */
  app.get('/v1/admin/deployment', (c) => reply(c, adminApi.getDeployment, svc.deployment));

  /** Drill mode: the messages that would have gone out, newest first. */

  app.get('/v1/admin/outbox', async (c) => {
    const limit = limitParam(c.req.query('limit'), 100, 1000);
    const personId = c.req.query('personId');
    const entries = await svc.streams.outbox(limit);
    return reply(
      c,
      adminApi.listOutbox,
      entries
        .map((e) => ({ id: e.id, at: new Date(e.at).toISOString(), channel: e.channel, to: e.to, ...e.message }))
        .filter((e) => !personId || e.personId === personId),
    );
  });

  /** SL 651 frames refused: unknown station addresses and wrong passwords, newest first. */
  app.get('/v1/admin/sl651/refused', async (c) => {
    const entries = await svc.streams.sl651Refused(limitParam(c.req.query('limit'), 100, 1000));
    return reply(
      c,
      adminApi.listSl651Refused,
      entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
    );
  });

  /** Readings refused for being outside their station's bounds, newest first. */
  app.get('/v1/admin/quarantine', async (c) => {
    const limit = limitParam(c.req.query('limit'), 100, 1000);
    const stationId = c.req.query('stationId');
    const entries = await svc.streams.quarantine(limit);
    return reply(
      c,
      adminApi.listQuarantine,
      entries.filter((e) => !stationId || e.stationId === stationId),
    );
  });
  return app;
}
