import { z } from 'zod';
import { readingSchema } from '../ingest/readings.js';
import { datasetSchema } from '../reference/schema.js';
import { SCHEMAS } from '../reference/records.js';
import { gaugeKeyBody, tokenBody } from './routes/admin.js';
import { ackBody, arriveBody, declareBody, resolveBody, smsBody } from './routes/alerts.js';
import { silenceBody } from './routes/notices.js';
import { swapBody } from './routes/duty.js';

/**
 * OpenAPI 3.1 of the HTTP API, generated from the same zod schemas the routes validate
 * with (zod's JSON Schema output, which is OpenAPI 3.1's dialect). The route table below is
 * checked against the app's real routes by a test, so an undocumented route fails CI.
 */
type Role = 'admin' | 'duty' | 'leader' | 'gauge' | 'none';
interface Op {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  roles: Role[];
  body?: z.ZodType;
  bodyType?: string;
  query?: Record<string, string>;
  ok: number;
  example?: unknown;
  produces?: string;
}

const STAFF: Role[] = ['admin', 'duty', 'leader'];
const errorExample = { error: { code: 'validation_failed', message: 'The request body is not valid: level: level must be one of IV, III, II, I', details: [{ path: 'level', message: 'level must be one of IV, III, II, I' }], requestId: 'b3c1…' } };

const collectionOps = (c: keyof typeof SCHEMAS, name: string): Op[] => [
  { method: 'get', path: `/v1/admin/${c}`, summary: `List ${name} (each with its version)`, tag: 'Reference data', roles: ['admin'], ok: 200 },
  { method: 'get', path: `/v1/admin/${c}/{id}`, summary: `One ${name} with its version (ETag)`, tag: 'Reference data', roles: ['admin'], ok: 200 },
  { method: 'post', path: `/v1/admin/${c}`, summary: `Create a ${name} (409 if it exists, 422 on unknown references)`, tag: 'Reference data', roles: ['admin'], body: SCHEMAS[c], ok: 201 },
  { method: 'put', path: `/v1/admin/${c}/{id}`, summary: `Replace a ${name}; needs If-Match: "<version>" or "version" in the body (412 on a concurrent edit, 428 without)`, tag: 'Reference data', roles: ['admin'], body: SCHEMAS[c], ok: 200 },
  { method: 'delete', path: `/v1/admin/${c}/{id}`, summary: `Delete a ${name} (409 when still in use)`, tag: 'Reference data', roles: ['admin'], ok: 204 },
];

export const OPERATIONS: Op[] = [
  { method: 'get', path: '/healthz', summary: 'The process is up', tag: 'Operations', roles: ['none'], ok: 200, example: { status: 'ok' } },
  { method: 'get', path: '/readyz', summary: 'Redis answers, every queue has a worker, evaluation keeps up (503 otherwise)', tag: 'Operations', roles: ['none'], ok: 200 },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'Operations', roles: ['none'], ok: 200, produces: 'text/plain' },
  {
    method: 'post',
    path: '/v1/readings',
    summary: 'Post one reading or { readings: [...] } (up to 10,000); 202 once stored',
    tag: 'Readings',
    roles: ['gauge', 'admin'],
    body: z.union([readingSchema, z.object({ readings: z.array(readingSchema).max(10_000) })]),
    ok: 202,
    example: { accepted: 2, duplicates: 0, rejected: [{ index: 1, stationId: 'NOPE', error: 'unknown station "NOPE"' }], conflicts: [] },
  },
  { method: 'get', path: '/v1/stations', summary: 'Stations with windows, water level, level and evidence', tag: 'State', roles: STAFF, query: { townshipId: 'only this township' }, ok: 200 },
  {
    method: 'get',
    path: '/v1/stations/{id}',
    summary: 'One station',
    tag: 'State',
    roles: STAFF,
    ok: 200,
    example: {
      id: '62900101',
      name: '西津河宁国站',
      kind: 'river',
      townshipId: '341881001',
      latest: { observedAt: '2026-07-05T06:10:00.000Z', rainfallMm: null, waterLevelM: 35.82 },
      rainfall: { '10m': 0, '30m': 0, '1h': 0, '3h': 0, '6h': 0, '12h': 0, '24h': 0, day: 0 },
      waterLevel: { value: 35.82, excess: { warning: 0.32, guarantee: -1.18, record: -2.38 }, risePerHour: 0.4 },
      level: 'IV',
      reasons: [{ kind: 'river', threshold: 'warning', by: 0, value: 35.82, limit: 35.5, level: 'IV' }],
    },
  },
  { method: 'get', path: '/v1/townships', summary: 'Townships with level, evidence, stations, liaison leaders', tag: 'State', roles: STAFF, ok: 200 },
  { method: 'get', path: '/v1/townships/{id}', summary: 'One township', tag: 'State', roles: STAFF, ok: 200 },
  { method: 'get', path: '/v1/townships/{id}/events', summary: 'Level changes of a township, newest first', tag: 'State', roles: STAFF, query: { limit: '1–1000' }, ok: 200 },
  { method: 'post', path: '/v1/townships/{id}/declare', summary: 'HQ declares a level by hand (opens or raises the alert)', tag: 'Alerts', roles: ['duty', 'admin'], body: declareBody, ok: 201 },
  { method: 'get', path: '/v1/alerts', summary: 'Alerts (a leader sees only their own)', tag: 'Alerts', roles: STAFF, query: { status: 'open | resolved', townshipId: 'township id', limit: '1–1000' }, ok: 200 },
  { method: 'get', path: '/v1/alerts/{id}', summary: 'One alert with recipients, deliveries, escalations and timeline', tag: 'Alerts', roles: STAFF, ok: 200 },
  { method: 'post', path: '/v1/alerts/{id}/ack', summary: 'Acknowledge (叫应): yourself, or on behalf of someone (duty/admin)', tag: 'Alerts', roles: STAFF, body: ackBody, ok: 200 },
  { method: 'post', path: '/v1/alerts/{id}/arrive', summary: 'Report arrival at the command post (到岗), with the distance when lat/lon are given', tag: 'Alerts', roles: STAFF, body: arriveBody, ok: 200 },
  { method: 'post', path: '/v1/alerts/{id}/resolve', summary: 'End the response (解除) with a reason', tag: 'Alerts', roles: ['duty', 'admin'], body: resolveBody, ok: 200 },
  { method: 'get', path: '/v1/alerts/{id}/cap.xml', summary: 'The alert as CAP 1.2', tag: 'Alerts', roles: STAFF, ok: 200, produces: 'application/cap+xml' },
  { method: 'get', path: '/v1/cap/alerts.xml', summary: 'Atom feed of open alerts with their CAP 1.2', tag: 'Alerts', roles: STAFF, ok: 200, produces: 'application/atom+xml' },
  { method: 'post', path: '/v1/inbound/sms', summary: 'An SMS reply from the gateway: "1" or "收到" acknowledges the newest open alert of that phone', tag: 'Alerts', roles: ['duty', 'admin'], body: smsBody, ok: 200 },
  {
    method: 'post',
    path: '/v1/inbound/{endpoint}/{secret}',
    summary:
      'Receipts pushed by the providers (endpoint: aliyun-voice for VoiceReport/VoiceCallReport, aliyun-sms for SmsReport/SmsUp, tencent-voice for the VMS callbacks); the path secret comes from FANGXUN_INBOUND_*_SECRET and a wrong one is a 404. Keypress 1 acknowledges (ackVia voice); off, not answered, or answered without the key sends the next contact at once. Idempotent. Answers {"code":0,"msg":"接收成功"} (Tencent: {"result":0,"errmsg":"OK"})',
    tag: 'Alerts',
    roles: ['none'],
    ok: 200,
    example: { code: 0, msg: '接收成功' },
  },
  { method: 'get', path: '/v1/reports/accountability', summary: 'Ledger of missed and late answers and arrivals (问责台账); CSV with Accept: text/csv', tag: 'Alerts', roles: ['duty', 'admin'], query: { from: 'ISO date or time', to: 'ISO date or time' }, ok: 200 },
  { method: 'get', path: '/a/{token}', summary: 'Personal answer page (never acknowledges on GET)', tag: 'Answer links', roles: ['none'], ok: 200, produces: 'text/html' },
  { method: 'post', path: '/a/{token}', summary: 'Acknowledge (action=ack) or report arrival (action=arrive, lat, lon) from the answer page', tag: 'Answer links', roles: ['none'], ok: 200, produces: 'text/html', bodyType: 'application/x-www-form-urlencoded' },
  { method: 'post', path: '/v1/admin/shifts/import', summary: 'Import a monthly 值班表 CSV (日期, 带班领导, 值班员, 值班电话; UTF-8 or GB18030; multipart field "file" too); unknown or ambiguous names listed by row, nothing imported', tag: 'Duty roster', roles: ['admin'], query: { dryRun: '1: show what would change', startHour: 'shift boundary hour (default the day start, 8)', year: 'for dates like 7月1日' }, ok: 200, bodyType: 'text/csv' },
  { method: 'get', path: '/v1/duty/now', summary: 'The shift on duty now and the next one', tag: 'Duty roster', roles: STAFF, ok: 200 },
  { method: 'get', path: '/v1/duty', summary: 'Shifts overlapping a range, with the people\'s names', tag: 'Duty roster', roles: STAFF, query: { from: 'date or ISO time (default yesterday)', to: 'date or ISO time (default +7 days)' }, ok: 200 },
  { method: 'get', path: '/v1/duty/gaps', summary: 'Moments without a duty officer or a shift leader in the coming days', tag: 'Duty roster', roles: STAFF, query: { days: '1–92, default 14' }, ok: 200 },
  { method: 'post', path: '/v1/admin/shifts/{id}/swap', summary: 'Swap a person on a shift (kept in the history)', tag: 'Duty roster', roles: ['admin', 'duty'], body: swapBody, ok: 200 },
  { method: 'get', path: '/v1/admin/shifts/{id}/history', summary: 'Every change of a shift', tag: 'Duty roster', roles: ['admin', 'duty'], ok: 200 },
  { method: 'get', path: '/v1/duty.ics', summary: 'RFC 5545 calendar of a person\'s shifts (token in the query, for phone calendars)', tag: 'Duty roster', roles: ['none'], query: { personId: 'person id', token: 'a staff token' }, ok: 200, produces: 'text/calendar' },
  { method: 'get', path: '/v1/notices', summary: 'Notices sent (daily report, reminders, gauge offline/recovered, roster gaps)', tag: 'Duties', roles: ['duty', 'admin'], query: { kind: 'notice kind', limit: '1–500' }, ok: 200 },
  { method: 'get', path: '/v1/notices/{id}', summary: 'One notice with its deliveries', tag: 'Duties', roles: ['duty', 'admin'], ok: 200 },
  { method: 'post', path: '/v1/admin/duties/{name}/run', summary: 'Run a scheduled duty now: daily-report, stale-gauges, shift-reminders, roster-gaps', tag: 'Duties', roles: ['admin'], ok: 200 },
  { method: 'get', path: '/v1/admin/silences', summary: 'Silenced stations', tag: 'Duties', roles: ['admin', 'duty'], ok: 200 },
  { method: 'put', path: '/v1/admin/stations/{id}/silence', summary: 'Silence a broken station until a time (offline notices suppressed; readings still stored)', tag: 'Duties', roles: ['admin'], body: silenceBody, ok: 200 },
  { method: 'delete', path: '/v1/admin/stations/{id}/silence', summary: 'Lift a silence', tag: 'Duties', roles: ['admin'], ok: 204 },
  { method: 'post', path: '/v1/admin/import', summary: 'Import a dataset (JSON or YAML): upsert, all or nothing, row-level errors', tag: 'Reference data', roles: ['admin'], body: datasetSchema, ok: 200 },
  { method: 'post', path: '/v1/admin/gauge-keys', summary: 'Create a gauge key (shown once, stored hashed)', tag: 'Credentials', roles: ['admin'], body: gaugeKeyBody, ok: 201, example: { id: 'gk_1a2b3c4d5e6f', key: 'fxg_…', name: '西津河宁国站 RTU', stations: ['62900101'] } },
  { method: 'get', path: '/v1/admin/gauge-keys', summary: 'Gauge keys (never the secrets)', tag: 'Credentials', roles: ['admin'], ok: 200 },
  { method: 'delete', path: '/v1/admin/gauge-keys/{id}', summary: 'Revoke a gauge key', tag: 'Credentials', roles: ['admin'], ok: 204 },
  { method: 'post', path: '/v1/admin/tokens', summary: 'Create a staff token (shown once, stored hashed)', tag: 'Credentials', roles: ['admin'], body: tokenBody, ok: 201 },
  { method: 'get', path: '/v1/admin/tokens', summary: 'Staff tokens (never the secrets)', tag: 'Credentials', roles: ['admin'], ok: 200 },
  { method: 'delete', path: '/v1/admin/tokens/{id}', summary: 'Revoke a staff token', tag: 'Credentials', roles: ['admin'], ok: 204 },
  { method: 'get', path: '/v1/admin/audit', summary: 'Every admin change: who, when, what, before and after', tag: 'Reference data', roles: ['admin'], query: { target: 'e.g. stations/62900101', action: 'e.g. stations.update', limit: '1–5000' }, ok: 200 },
  { method: 'get', path: '/v1/admin/quarantine', summary: 'Readings refused for being outside their station bounds', tag: 'Readings', roles: ['admin'], query: { stationId: 'station id', limit: '1–1000' }, ok: 200 },
  { method: 'get', path: '/v1/admin/sl651/refused', summary: 'SL 651 frames refused: unknown station addresses and wrong passwords', tag: 'Readings', roles: ['admin'], query: { limit: '1–1000' }, ok: 200 },
  { method: 'get', path: '/v1/admin/outbox', summary: 'Drill mode: the messages that would have been sent', tag: 'Alerts', roles: ['admin'], query: { personId: 'person id', limit: '1–1000' }, ok: 200 },
  ...collectionOps('townships', 'township'),
  ...collectionOps('stations', 'station'),
  ...collectionOps('people', 'person'),
  ...collectionOps('assignments', 'assignment (id: townshipId|role|personId|object)'),
  ...collectionOps('shifts', 'shift'),
];

/** Extra operations other modules register (duty roster, SL 651, board). */
const extra: Op[] = [];
export function documentOperations(ops: Op[]): void {
  extra.push(...ops);
}

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
}

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of [...OPERATIONS, ...extra]) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } }));
    const secured = !op.roles.includes('none');
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      tags: [op.tag],
      description: secured ? `Roles: ${op.roles.join(', ')}. 401 without a valid token, 403 with another role.` : 'No token needed.',
      ...(secured ? { security: [{ bearer: [] }] } : { security: [] }),
      parameters: [...params, ...query],
      ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: jsonSchema(op.body) } } } } : {}),
      responses: {
        [String(op.ok)]: {
          description: 'Success',
          ...(op.ok === 204 ? {} : { content: { [op.produces ?? 'application/json']: op.example !== undefined ? { example: op.example } : {} } }),
        },
        default: { description: 'Error, in the one error shape', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: errorExample } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'fangxun 防汛值守与预警叫应', version: '0.1.0', description: 'Flood-season duty and alert service: readings in, response levels out, call-and-answer, duty roster.' },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Gauge key, staff token, or FANGXUN_ADMIN_TOKEN' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message', 'details'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {}, requestId: { type: 'string' } } } },
        },
      },
    },
    paths,
  };
}

/** Routes of the app in OpenAPI form (`/v1/alerts/{id}`), for the coverage test. */
export function documentedRoutes(): Set<string> {
  return new Set([...OPERATIONS, ...extra].map((o) => `${o.method.toUpperCase()} ${o.path}`));
}
