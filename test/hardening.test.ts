import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCsv } from '../src/alerts/report.js';
import { xmlEscape } from '../src/alerts/cap.js';
import { escapeText } from '../src/roster/ics.js';
import { alertDataset, startService, type TestService } from './helpers.js';

/** Small ones from the attack review: prototype names, Origin checks, alias bombs, echoed ids, CSV formulas. */
let svc: TestService;
let duty: string;
beforeAll(async () => {
  svc = await startService({ drill: true });
  await svc.importData(alertDataset('http://hooks.test'));
  duty = await svc.token('duty', 'p-duty');
});
afterAll(() => svc.close());

const get = (path: string) => svc.runtime.app.request(path);

describe('names of the prototype', () => {
  it('are unknown assets and duties (404, not 500)', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect((await get(`/board/assets/${name}`)).status, name).toBe(404);
      expect((await get(`/docs/assets/${name}`)).status, name).toBe(404);
      const run = await svc.call('POST', `/v1/admin/duties/${name}/run`);
      expect(run.status, name).toBe(404);
      expect(run.body.error.code).toBe('not_found');
    }
  });
});

describe('same-origin board actions', () => {
  const declare = (origin: string) =>
    svc.runtime.app.request('/board/declare', {
      method: 'POST',
      headers: { authorization: `Bearer ${duty}`, origin },
      body: new URLSearchParams({ townshipId: '341881100', level: 'IV', notice: '宁防指〔2026〕1号', reason: '演练' }),
    });
  it('refuses Origin: null and another scheme (403, not 500), takes its own origin', async () => {
    expect((await declare('null')).status).toBe(403);
    expect((await declare('https://localhost')).status).toBe(403); // same host, other scheme
    expect((await declare('http://localhost:8081')).status).toBe(403);
    expect((await declare('not a url')).status).toBe(403);
    expect((await declare('http://localhost')).status).toBe(303);
  });
});

describe('input that would cost us', () => {
  it('refuses a YAML alias bomb with 400', async () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
      'townships: *i',
    ].join('\n');
    const res = await svc.call('POST', '/v1/admin/import', { raw: bomb, contentType: 'application/yaml' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_yaml');
  });

  it('never echoes an unknown id back at length', async () => {
    const id = 'x'.repeat(10_000);
    for (const path of [`/v1/stations/${id}`, `/v1/alerts/${id}`, `/v1/townships/${id}`, `/v1/nothing/${id}`]) {
      const res = await svc.call('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.message.length, path).toBeLessThan(300);
    }
  });
});

describe('the accountability CSV', () => {
  it('keeps formula-like cells as text', () => {
    const entry = {
      type: 'missed-ack' as const,
      alertId: 'a~1',
      townshipId: 't',
      township: '=cmd|" /C calc"!A0',
      personId: 'p',
      name: '@SUM(1+1)',
      role: '+x',
      level: 'IV',
      notifiedAt: null,
      deadline: null,
      actual: null,
      lateSeconds: -5,
    };
    const csv = reportCsv({ entries: [entry] } as never, 'Asia/Shanghai');
    const row = csv.trim().split('\r\n')[1]!;
    expect(row).toContain(`"'=cmd|"" /C calc""!A0"`);
    expect(row).toContain(`'@SUM(1+1)`);
    expect(row).toContain(`'+x`);
    expect(row.endsWith(',-5,')).toBe(true); // numbers stay numbers (then the empty 到岗核查 column)
  });
});

describe('names and free text', () => {
  it('refuse line breaks and control characters, and have length limits', async () => {
    for (const name of ['市领导\r\n甲', '市领导\r甲', '市领导\u0000', '市领导\u2028甲', '甲'.repeat(101)]) {
      const res = await svc.call('POST', '/v1/admin/people', { body: { id: 'p-new', name } });
      expect(res.status, JSON.stringify(name)).toBe(422);
    }
    expect((await svc.call('POST', '/v1/admin/people', { body: { id: 'p-new', name: '甲'.repeat(100) } })).status).toBe(201);
    const declare = await svc.call('POST', '/v1/townships/341881001/declare', {
      token: duty,
      body: { level: 'IV', notice: '宁防指〔2026〕2号', reason: '演练\nBCC: x' },
    });
    expect(declare.status).toBe(400);
    expect(declare.body.error.message).toMatch(/line breaks or control characters/);
    const board = await svc.runtime.app.request('/board/declare', {
      method: 'POST',
      headers: { authorization: `Bearer ${duty}` },
      body: new URLSearchParams({ townshipId: '341881001', level: 'IV', notice: '宁防指\r〔2026〕2号', reason: '演练' }),
    });
    expect(board.status).toBe(400);
    // HQ responses: the API and the board's end/adjust forms alike.
    const bad = await svc.call('POST', '/v1/responses', {
      token: duty,
      body: { level: 'IV', scope: 'city', notice: '宁防指〔2026〕3号', reason: '演练\u0000' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/line breaks or control characters/);
    const started = await svc.call('POST', '/v1/responses', { token: duty, body: { level: 'IV', scope: 'city', notice: '宁防指〔2026〕3号', reason: '演练' } });
    expect(started.status).toBe(201);
    for (const act of ['end', 'adjust']) {
      const res = await svc.runtime.app.request(`/board/responses/${encodeURIComponent(started.body.id)}/${act}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${duty}` },
        body: new URLSearchParams({ level: 'III', notice: '宁防指〔2026〕4号', reason: '演练\n结束' }),
      });
      expect(res.status, act).toBe(400);
    }
    expect((await svc.call('GET', `/v1/responses/${encodeURIComponent(started.body.id)}`, { token: duty })).body.status).toBe('active');
  });

  it('are escaped in .ics and CAP whatever older data holds', () => {
    expect(escapeText('甲\r乙\n丙\r\n丁\u0001')).toBe('甲\\n乙\\n丙\\n丁');
    const xml = xmlEscape('港口\u0001镇\u0000<b>\uffff\ud800');
    expect(xml).toBe('港口镇&lt;b&gt;');
  });
});
