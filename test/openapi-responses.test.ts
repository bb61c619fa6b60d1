import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startService, alertDataset, beijing, waitFor, type TestService } from './helpers.js';
import { OPERATIONS } from '../src/http/openapi.js';

/**
 * The OpenAPI document against the service's real answers: every documented operation is
 * called with a real request, and its status and body are validated with ajv (JSON Schema
 * 2020-12, formats checked) against the schema the document gives for it, so the document
 * and the service cannot drift apart. A new operation without a request here fails the test.
 */
const INBOUND_SECRET = 'av-0123456789abcdef0123456789';
let svc: TestService;
let doc: any;
let ajv: Ajv2020;
beforeAll(async () => {
  svc = await startService({ workers: true, drill: true, inboundSecrets: new Map([['aliyun-voice', INBOUND_SECRET]]) });
  await svc.importData(alertDataset('http://hooks.test'));
  doc = (await svc.call('GET', '/openapi.json', { token: null })).body;
  // strictRequired off: the reading's anyOf names properties declared beside it, as JSON Schema allows.
  ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addVocabulary(['example']);
  ajv.addSchema(doc.components.schemas.Error, '#/components/schemas/Error');
});
afterAll(() => svc.close());

const validators = new Map<unknown, ValidateFunction>();
function validate(schema: unknown, value: unknown): string[] {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = ajv.compile(schema as object)));
  return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

interface Call {
  path: string;
  token?: string | null;
  body?: unknown;
  raw?: string;
  contentType?: string;
}

describe('OpenAPI against real responses', () => {
  it('every operation has an operationId and a summary, and every 2xx a schema', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(ids.has(op.operationId), `duplicate ${op.operationId}`).toBe(false);
        ids.add(op.operationId);
        expect(op.summary?.length, `${method} ${path} summary`).toBeGreaterThan(5);
        for (const [status, res] of Object.entries<any>(op.responses)) {
          if (!/^2\d\d$/.test(status) || status === '204') continue;
          const content = Object.values<any>(res.content ?? {});
          expect(content.length, `${method} ${path} ${status} content`).toBe(1);
          expect(content[0].schema, `${method} ${path} ${status} schema`).toBeTypeOf('object');
        }
      }
    }
    // The reading schema says at least one measurement is required.
    const reading = doc.paths['/v1/readings'].post.requestBody.content['application/json'].schema.anyOf[0];
    expect(reading.anyOf.map((r: any) => r.required)).toEqual([
      ['stationId', 'observedAt', 'rainfallMm'],
      ['stationId', 'observedAt', 'waterLevelM'],
    ]);
    expect(validate(reading, { stationId: 'W1', observedAt: '2026-07-05T08:00:00+08:00' })).not.toEqual([]);
    expect(validate(reading, { stationId: 'W1', observedAt: '2026-07-05T08:00:00+08:00', waterLevelM: 35.2 })).toEqual([]);
  });

  it('the README error example and real 4xx answers fit the one documented error shape', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = JSON.parse(/### Errors[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!);
    const error = { $ref: '#/components/schemas/Error' };
    expect(validate(error, example)).toEqual([]);
    const key = await svc.gaugeKey();
    const noneAccepted = await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'NOPE', observedAt: beijing(Date.now()), rainfallMm: 1 } });
    expect(noneAccepted.status).toBe(422);
    expect(noneAccepted.body.error.details.rejected[0]).toMatchObject({ index: 0, stationId: 'NOPE' });
    const importRejected = await svc.call('POST', '/v1/admin/import', { body: { stations: [{ id: 'X' }] } });
    expect(importRejected.status).toBe(422);
    expect(importRejected.body.error.details[0]).toHaveProperty('path');
    const roster = await svc.call('POST', '/v1/admin/shifts/import', { raw: '日期,带班领导,值班员\n2026-08-01,无此人,值班员乙\n', contentType: 'text/csv' });
    expect(roster.status).toBe(422);
    expect(roster.body.error.details[0]).toMatchObject({ path: 'rows[2].带班领导', row: 2, column: '带班领导' });
    const invalid = await svc.call('POST', '/v1/admin/tokens', { body: { role: 'nobody' } });
    expect(invalid.status).toBe(400);
    for (const res of [noneAccepted, importRejected, roster, invalid]) expect(validate(error, res.body)).toEqual([]);
    // The document names 422 where it can happen, with the same shape.
    expect(doc.paths['/v1/readings'].post.responses['422'].content['application/json'].schema).toEqual(error);
  });

  it('every documented operation answers as documented', async () => {
    const key = await svc.gaugeKey();
    const admin = undefined; // the helper's default token
    await svc.call('POST', '/v1/readings', {
      token: key,
      body: {
        readings: [
          { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 35.9 },
          { stationId: 'W1', observedAt: beijing(Date.now() - 50_000), waterLevelM: 99 },
        ],
      },
    });
    const alertId: string = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 8_000, 'the alert');
    const ackUrl: string = await waitFor(
      async () => (await svc.call('GET', '/v1/admin/outbox?personId=p-head')).body.find((m: any) => m.ackUrl)?.ackUrl,
      8_000,
      'a personal link',
    );
    await waitFor(async () => (await svc.call('GET', '/readyz', { token: null })).status === 200, 8_000, 'ready');
    await svc.runtime.services.redis.xadd(
      svc.runtime.services.keys.sl651Refused(),
      '*',
      'at',
      String(Date.now()),
      'address',
      '0010100001',
      'reason',
      'unknown address',
      'remote',
      '127.0.0.1:5000',
    );
    const answerPath = new URL(ackUrl).pathname;
    const leader = await svc.token('leader', 'p-lead');
    const ids: Record<string, string> = {};
    const later = (fn: () => Call) => fn;
    const versionOf = async (path: string) => (await svc.call('GET', path)).body.version as number;
    const start = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const end = new Date(Date.now() + 31 * 86_400_000).toISOString();
    const steps: Array<[string, Call | (() => Call | Promise<Call>)]> = [
      ['health', { path: '/healthz', token: null }],
      ['ready', { path: '/readyz', token: null }],
      ['metrics', { path: '/metrics', token: null }],
      ['postReadings', { path: '/v1/readings', token: key, body: { stationId: 'R1', observedAt: beijing(Date.now() - 30_000), rainfallMm: 0.5 } }],
      [
        'postWarning',
        {
          path: '/v1/warnings',
          raw: readFileSync('test/fixtures/cap/inbound/rainstorm-orange.xml', 'utf8').replace(
            /<expires>[^<]*</,
            `<expires>${new Date(Date.now() + 7_200_000).toISOString()}<`,
          ),
          contentType: 'application/cap+xml',
        },
      ],
      ['listStations', { path: '/v1/stations' }],
      ['getStation', { path: '/v1/stations/W1' }],
      ['listTownships', { path: '/v1/townships' }],
      ['getTownship', { path: '/v1/townships/341881001' }],
      ['listTownshipEvents', { path: '/v1/townships/341881001/events' }],
      ['declareLevel', { path: '/v1/townships/341881100/declare', body: { level: 'III', notice: '宁防指〔2026〕5号', reason: '港口湾水库超汛限' } }],
      ['startResponse', { path: '/v1/responses', body: { level: 'IV', scope: 'city', notice: '宁防指〔2023〕4号', reason: '全市平均降雨量61毫米' } }],
      ['listResponses', { path: '/v1/responses?status=active' }],
      ['getResponse', later(() => ({ path: `/v1/responses/${ids.response}` }))],
      [
        'adjustResponse',
        later(() => ({ path: `/v1/responses/${ids.response}/adjust`, body: { level: 'III', notice: '宁防指〔2023〕5号', reason: '雨势加大' } })),
      ],
      ['putPreferences', { path: '/v1/people/p-duty/preferences', body: { smsOptOut: true } }],
      ['getPreferences', { path: '/v1/people/me/preferences', token: leader }],
      ['getCity', { path: '/v1/city' }],
      ['endResponse', later(() => ({ path: `/v1/responses/${ids.response}/end`, body: { notice: '宁防指〔2023〕6号', reason: '雨情趋缓' } }))],
      ['listAlerts', { path: '/v1/alerts' }],
      ['getAlert', { path: `/v1/alerts/${alertId}` }],
      ['escalateAlert', { path: `/v1/alerts/${alertId}/escalate`, body: { personId: 'p-lead' } }],
      ['ackAlert', { path: `/v1/alerts/${alertId}/ack`, token: leader, body: {} }],
      ['arriveAlert', { path: `/v1/alerts/${alertId}/arrive`, token: leader, body: { lat: 30.63, lon: 118.98 } }],
      ['inboundSms', { path: '/v1/inbound/sms', body: { from: '+8613800000002', text: '收到' } }],
      [
        'receiveReceipt',
        {
          path: `/v1/inbound/aliyun-voice/${INBOUND_SECRET}`,
          token: null,
          body: [{ call_id: 'c-unknown', out_id: 'fxNOSUCHCALL', status_code: '200005', status_msg: '用户关机' }],
        },
      ],
      ['accountabilityReport', { path: '/v1/reports/accountability' }],
      ['alertCap', { path: `/v1/alerts/${alertId}/cap.xml` }],
      ['capFeed', { path: '/v1/cap/alerts.xml' }],
      ['answerPage', { path: answerPath, token: null }],
      ['answer', { path: answerPath, token: null, raw: 'action=ack', contentType: 'application/x-www-form-urlencoded' }],
      ['resolveAlert', { path: `/v1/alerts/${alertId}/resolve`, body: { reason: '水位回落' } }],
      [
        'importShifts',
        {
          path: '/v1/admin/shifts/import?dryRun=1&year=2026',
          raw: '日期,带班领导,值班员,值班电话\n2026-08-01,带班领导丙,值班员乙,0563-4012345\n',
          contentType: 'text/csv',
        },
      ],
      ['dutyNow', { path: '/v1/duty/now' }],
      ['listDuty', { path: '/v1/duty' }],
      ['dutyGaps', { path: '/v1/duty/gaps?days=3' }],
      ['swapShift', { path: '/v1/admin/shifts/shift-now/swap', body: { from: 'p-duty', to: 'p-head', reason: '调休' } }],
      ['shiftHistory', { path: '/v1/admin/shifts/shift-now/history' }],
      ['createCalendarToken', { path: '/v1/admin/calendar-tokens', body: { personId: 'p-head', name: '手机日历' } }],
      ['listCalendarTokens', { path: '/v1/admin/calendar-tokens' }],
      ['dutyCalendar', later(() => ({ path: `/v1/duty.ics?personId=p-head&token=${encodeURIComponent(ids.calendarSecret!)}`, token: null }))],
      ['revokeCalendarToken', later(() => ({ path: `/v1/admin/calendar-tokens/${ids.calendarToken}` }))],
      ['getDeployment', { path: '/v1/admin/deployment' }],
      ['runDuty', { path: '/v1/admin/duties/roster-gaps/run' }],
      ['listNotices', { path: '/v1/notices' }],
      ['getNotice', later(() => ({ path: `/v1/notices/${ids.notice}` }))],
      [
        'silenceStation',
        { path: '/v1/admin/stations/R2/silence', body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason: '雷击损坏，待维修' } },
      ],
      ['listSilences', { path: '/v1/admin/silences' }],
      ['unsilenceStation', { path: '/v1/admin/stations/R2/silence' }],
      ['importDataset', { path: '/v1/admin/import', body: { people: [{ id: 'p-extra', name: '补充人员' }] } }],
      ['createGaugeKey', { path: '/v1/admin/gauge-keys', body: { name: '测试RTU', stations: ['W1'] } }],
      ['listGaugeKeys', { path: '/v1/admin/gauge-keys' }],
      ['revokeGaugeKey', later(() => ({ path: `/v1/admin/gauge-keys/${ids.gaugeKey}` }))],
      ['createToken', { path: '/v1/admin/tokens', body: { role: 'duty', name: '值班室' } }],
      ['listTokens', { path: '/v1/admin/tokens' }],
      ['revokeToken', later(() => ({ path: `/v1/admin/tokens/${ids.token}` }))],
      ['listAudit', { path: '/v1/admin/audit' }],
      ['listQuarantine', { path: '/v1/admin/quarantine' }],
      ['listSl651Refused', { path: '/v1/admin/sl651/refused' }],
      ['listOutbox', { path: '/v1/admin/outbox' }],
      ['createTownshipRecord', { path: '/v1/admin/townships', body: { id: '341881999', name: '测试镇' } }],
      ['createStationRecord', { path: '/v1/admin/stations', body: { id: 'T9', name: '测试站', kind: 'rain', townshipId: '341881999' } }],
      ['createPersonRecord', { path: '/v1/admin/people', body: { id: 'p-new', name: '新人', contacts: [{ channel: 'sms', to: '+8613800000009' }] } }],
      ['createAssignmentRecord', { path: '/v1/admin/assignments', body: { townshipId: '341881999', personId: 'p-new', role: 'township-head' } }],
      ['createShiftRecord', { path: '/v1/admin/shifts', body: { id: 'shift-x', start, end, leaderId: 'p-shift', officerIds: ['p-duty'] } }],
      ...(['townships', 'stations', 'people', 'assignments', 'shifts'] as const).flatMap((c): Array<[string, Call | (() => Promise<Call>)]> => {
        const one = { townships: 'Township', stations: 'Station', people: 'Person', assignments: 'Assignment', shifts: 'Shift' }[c];
        const id = encodeURIComponent(
          { townships: '341881999', stations: 'T9', people: 'p-new', assignments: '341881999|township-head|p-new|', shifts: 'shift-x' }[c],
        );
        return [
          [`list${one}Records`, { path: `/v1/admin/${c}` }],
          [`get${one}Record`, { path: `/v1/admin/${c}/${id}` }],
          [
            `replace${one}Record`,
            async () => {
              const { version: v, ...record } = (await svc.call('GET', `/v1/admin/${c}/${id}`)).body;
              return { path: `/v1/admin/${c}/${id}`, body: { ...record, version: v } };
            },
          ],
        ];
      }),
      ['deleteAssignmentRecord', { path: `/v1/admin/assignments/${encodeURIComponent('341881999|township-head|p-new|')}` }],
      ['deleteStationRecord', { path: '/v1/admin/stations/T9' }],
      ['deleteShiftRecord', { path: '/v1/admin/shifts/shift-x' }],
      ['deletePersonRecord', { path: '/v1/admin/people/p-new' }],
      ['deleteTownshipRecord', { path: '/v1/admin/townships/341881999' }],
    ];
    void admin;
    void versionOf;

    const byId = new Map(OPERATIONS.map((o) => [o.operationId, o]));
    const exercised = new Set(steps.map(([id]) => id));
    expect(
      [...byId.keys()].filter((id) => !exercised.has(id)),
      'operations without a request in this test',
    ).toEqual([]);
    expect(
      [...exercised].filter((id) => !byId.has(id)),
      'requests for undocumented operations',
    ).toEqual([]);

    const problems: string[] = [];
    for (const [operationId, step] of steps) {
      const op = byId.get(operationId)!;
      const call = typeof step === 'function' ? await step() : step;
      const res = await svc.call(op.method.toUpperCase(), call.path, call);
      const documented = doc.paths[op.path][op.method].responses[String(op.status)];
      if (res.status !== op.status) {
        problems.push(`${operationId}: status ${res.status}, documented ${op.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        continue;
      }
      if (op.status === 204) continue;
      const [mediaType, content] = Object.entries<any>(documented.content)[0]!;
      const got = res.headers.get('content-type') ?? '';
      if (!got.startsWith(mediaType)) problems.push(`${operationId}: content-type ${got}, documented ${mediaType}`);
      const value = mediaType === 'application/json' ? res.body : typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      for (const e of validate(content.schema, value)) problems.push(`${operationId}: ${e}`);
      if (operationId === 'createGaugeKey') ids.gaugeKey = res.body.id;
      if (operationId === 'createToken') ids.token = res.body.id;
      if (operationId === 'createCalendarToken') [ids.calendarToken, ids.calendarSecret] = [res.body.id, res.body.token];
      if (operationId === 'listNotices') ids.notice = res.body[0]?.id;
      if (operationId === 'startResponse') ids.response = res.body.id;
    }
    expect(problems).toEqual([]);
  });
});
