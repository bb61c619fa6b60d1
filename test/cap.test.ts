import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { readFileSync } from 'node:fs';
import { startService, alertDataset, beijing, smallDataset, testConfig, waitFor, type TestService } from './helpers.js';

/** CAP 1.2 export: Alert, Update on a level change, Cancel on resolve, each referencing the earlier. */
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ workers: true, drill: true });
  await svc.importData(alertDataset('http://hooks.test'));
});
afterAll(() => svc.close());

/** Validates against the CAP 1.2 XML schema with libxml2 (xmllint compiled to WebAssembly). */
async function expectValidCap(xml: string) {
  const result = await validateXML({
    xml: [{ fileName: 'alert.xml', contents: xml }],
    schema: [{ fileName: 'cap-1.2.xsd', contents: readFileSync('test/fixtures/cap/cap-1.2.xsd', 'utf8') }],
  });
  expect(result.errors.map((e) => e.rawMessage)).toEqual([]);
  expect(result.valid).toBe(true);
}

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false }).parse(xml);
const cap = async (id: string) => {
  const res = await svc.runtime.app.request(`/v1/alerts/${encodeURIComponent(id)}/cap.xml`, { headers: { authorization: 'Bearer test-admin-token' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/cap+xml; charset=utf-8');
  const xml = await res.text();
  expect(XMLValidator.validate(xml)).toBe(true);
  await expectValidCap(xml);
  return parse(xml).alert;
};

describe('CAP 1.2', () => {
  it('the schema refuses what CAP forbids', async () => {
    const bad =
      '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s</sender><sent>2026-07-05T14:00:00Z</sent><status>Real</status><msgType>Alert</msgType><scope>Public</scope></alert>';
    const result = await validateXML({
      xml: [{ fileName: 'bad.xml', contents: bad }],
      schema: [{ fileName: 'cap-1.2.xsd', contents: readFileSync('test/fixtures/cap/cap-1.2.xsd', 'utf8') }],
    });
    expect(result.valid).toBe(false); // "Z" instead of an offset, and an unknown status
    expect(result.errors.length).toBeGreaterThanOrEqual(2);
  });

  it('follows an alert from Alert to Update to Cancel', async () => {
    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 35.9 } });
    const id = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 5_000, 'the alert');
    const first = await cap(id);
    expect(first['@_xmlns']).toBe('urn:oasis:names:tc:emergency:cap:1.2');
    // GB/T 35965.1: office code, Beijing time of issue, the sender's counter (from 0).
    expect(first.identifier).toMatch(/^34188100000000_\d{14}_0$/);
    expect(first.identifier.slice(15, 29)).toBe(first.sent.replace(/[-T:]/g, '').slice(0, 14));
    expect(first).toMatchObject({ status: 'Actual', msgType: 'Alert', scope: 'Public', sender: 'fangxun@ningguo.invalid' });
    expect(first.sent).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(first.info).toMatchObject({ language: 'zh-CN', event: '防汛预警', severity: 'Minor', urgency: 'Immediate', certainty: 'Observed' });
    expect(first.info.headline).toBe('西津街道防汛Ⅳ级(蓝色)预警');
    expect(Date.parse(first.info.expires) - Date.parse(first.sent)).toBe(24 * 3_600_000);
    expect(await cap(id)).toEqual(first); // the same message renders the same
    expect(first.info.area).toMatchObject({ areaDesc: '西津街道', geocode: { valueName: 'GB/T 2260', value: 341881001 } });
    expect(first.references).toBeUndefined();

    await new Promise((r) => setTimeout(r, 1_100)); // a new second, a new identifier
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 30_000), waterLevelM: 37.1 } });
    await waitFor(async () => (await svc.call('GET', `/v1/alerts/${id}`)).body.level === 'II', 5_000, 'the raise');
    const update = await cap(id);
    expect(update).toMatchObject({ msgType: 'Update' });
    expect(update.info.severity).toBe('Severe');
    expect(update.identifier).toMatch(/_1$/);
    expect(update.references).toBe(`fangxun@ningguo.invalid,${first.identifier},${first.sent}`);

    await new Promise((r) => setTimeout(r, 1_100));
    await svc.call('POST', `/v1/alerts/${id}/resolve`, { body: { reason: '水位回落' } });
    const cancel = await cap(id);
    expect(cancel.msgType).toBe('Cancel');
    expect(cancel.identifier).toMatch(/_2$/);
    expect(cancel.references).toBe(`fangxun@ningguo.invalid,${first.identifier},${first.sent} fangxun@ningguo.invalid,${update.identifier},${update.sent}`);
    expect(cancel.info.description).toContain('水位回落');
    expect(Date.parse(cancel.info.expires) - Date.parse(cancel.sent)).toBe(24 * 3_600_000); // as long as the feed keeps it
  });

  it('lists open alerts, and the Cancel of one resolved lately, in an Atom feed with their CAP inside', async () => {
    await svc.call('POST', '/v1/townships/341881100/declare', { body: { level: 'III', notice: '宁防指〔2026〕5号', reason: '港口湾水库超汛限' } });
    const res = await svc.runtime.app.request('/v1/cap/alerts.xml', { headers: { authorization: 'Bearer test-admin-token' } });
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = parse(xml).feed;
    const entries = [feed.entry].flat();
    expect(entries.map((e: any) => e.content.alert.msgType)).toEqual(['Alert', 'Cancel']); // newest first
    for (const inner of xml.match(/<alert xmlns="urn:oasis:names:tc:emergency:cap:1\.2">[\s\S]*?<\/alert>/g)!)
      await expectValidCap(inner.replace(/^\s+/gm, ''));
    expect(entries[0].content.alert.info.description).toContain('宁防指〔2026〕5号');
    expect(entries[1].title).toBe('西津街道 防汛预警解除');
    expect((await svc.runtime.app.request('/v1/cap/alerts.xml')).status).toBe(401);
  });
});

describe('CAP identifiers and the feed over time', () => {
  it('twelve alerts issued in the same second get twelve identifiers; a Cancel leaves the feed after keepCancelFor', async () => {
    let t = Date.parse('2026-07-05T14:32:00+08:00');
    const config = testConfig((c) => (c.policy.cap.keepCancelFor = 3_600_000));
    const clocked = await startService({ config, now: () => t });
    try {
      const data = smallDataset();
      const ids = Array.from({ length: 12 }, (_, i) => `3418812${String(i).padStart(2, '0')}`);
      data.townships.push(...ids.map((id, i) => ({ id, name: `测试乡${i}` })));
      await clocked.importData(data);
      const identifiers: string[] = [];
      for (const id of ids) {
        expect(
          (await clocked.call('POST', `/v1/townships/${id}/declare`, { body: { level: 'IV', notice: '宁防指〔2026〕9号', reason: '全市暴雨' } })).status,
        ).toBe(201);
      }
      const feed = async () => {
        const xml = await (await clocked.runtime.app.request('/v1/cap/alerts.xml', { headers: { authorization: 'Bearer test-admin-token' } })).text();
        return [new XMLParser().parse(xml).feed.entry ?? []].flat().map((e: any) => e.content.alert);
      };
      const alerts = await feed();
      expect(alerts).toHaveLength(12);
      for (const a of alerts) identifiers.push(a.identifier);
      expect(new Set(identifiers).size).toBe(12);
      expect(new Set(identifiers.map((x) => x.split('_')[1])).size).toBe(1); // all in the same second
      expect(identifiers.map((x) => Number(x.split('_')[2])).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);

      const first = (await clocked.call('GET', `/v1/townships/${ids[0]}`)).body.response.id;
      t += 60_000;
      expect((await clocked.call('POST', `/v1/responses/${first}/end`, { body: { notice: '宁防指〔2026〕10号', reason: '雨停' } })).status).toBe(200);
      const after = await feed();
      expect(after.find((a) => a.msgType === 'Cancel')).toMatchObject({ identifier: expect.stringMatching(/_12$/) });
      t += 3_600_000 + 1_000;
      const later = await feed();
      expect(later).toHaveLength(11);
      expect(later.some((a) => a.msgType === 'Cancel')).toBe(false);
    } finally {
      await clocked.close();
    }
  });
});
