import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, alertDataset, beijing, waitFor, type TestService } from './helpers.js';
import { checkExposition, promtool } from './support/exposition.js';

/**
 * /metrics as Prometheus reads it: the whole exposition passes a strict reader of the text
 * format and `promtool check metrics` (CI installs Debian's prometheus package and sets
 * FANGXUN_REQUIRE_PROMTOOL=1, so the promtool check cannot skip there), and time to ack is a
 * real histogram that counts the acknowledgements made.
 */
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ workers: true, drill: true });
  await svc.importData(alertDataset('http://hooks.test'));
});
afterAll(() => svc.close());

const scrape = async () => {
  const res = await svc.runtime.app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

function expectPromtoolAccepts(text: string) {
  const r = promtool(text);
  if (!r.available) {
    expect(process.env.FANGXUN_REQUIRE_PROMTOOL, 'promtool is required here but not installed').not.toBe('1');
    return;
  }
  expect(r.output).toBe('');
  expect(r.status).toBe(0);
}

describe('Prometheus exposition', () => {
  it('the reader and promtool refuse what the old gauge-shaped time to ack looked like', () => {
    const old =
      '# HELP fangxun_time_to_ack_seconds_bucket t\n# TYPE fangxun_time_to_ack_seconds_bucket gauge\nfangxun_time_to_ack_seconds_bucket{le="30"} 1\nfangxun_time_to_ack_seconds_bucket{le="+Inf"} 1\n';
    const bad = '# HELP h t\n# TYPE h histogram\nh_bucket{le="60"} 2\nh_bucket{le="30"} 1\nh_bucket{le="+Inf"} 1\nh_sum 3\nh_count 2\n';
    expect(checkExposition(bad).problems).toEqual([
      'h[]: buckets not in ascending le order',
      'h[]: bucket counts not cumulative',
      'h[]: +Inf bucket 1 differs from _count 2',
    ]);
    const r = promtool(old);
    if (r.available) expect(r.output).toContain('non-histogram metrics should not have "_bucket" suffix');
  });

  it('time to ack is a histogram of the acknowledgements, and the whole text is valid', async () => {
    const before = checkExposition(await scrape());
    expect(before.problems).toEqual([]);
    expect(before.families.get('fangxun_time_to_ack_seconds')?.type).toBe('histogram');

    const key = await svc.gaugeKey();
    await svc.call('POST', '/v1/readings', { token: key, body: { stationId: 'W1', observedAt: beijing(Date.now() - 60_000), waterLevelM: 35.9 } });
    const id = await waitFor(async () => (await svc.call('GET', '/v1/townships/341881001')).body.openAlertId, 5_000, 'the alert');
    await waitFor(async () => (await svc.call('GET', `/v1/alerts/${id}`)).body.recipients.every((r: any) => r.notifiedAt !== null), 5_000, 'the notifications');
    for (const personId of ['p-lead', 'p-head']) expect((await svc.call('POST', `/v1/alerts/${id}/ack`, { body: { onBehalfOf: personId } })).status).toBe(200);

    const text = await scrape();
    const { problems, families } = checkExposition(text);
    expect(problems).toEqual([]);
    expectPromtoolAccepts(text);
    const h = families.get('fangxun_time_to_ack_seconds')!;
    const value = (name: string, le?: string) => h.samples.find((s) => s.name === name && s.labels.le === le)!.value;
    expect(value('fangxun_time_to_ack_seconds_count')).toBe(2);
    expect(value('fangxun_time_to_ack_seconds_bucket', '30')).toBe(2);
    expect(value('fangxun_time_to_ack_seconds_bucket', '+Inf')).toBe(2);
    expect(value('fangxun_time_to_ack_seconds_sum')).toBeGreaterThanOrEqual(0);
    expect(value('fangxun_time_to_ack_seconds_sum')).toBeLessThan(60);
    expect(h.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le)).toEqual([
      '30',
      '60',
      '120',
      '300',
      '600',
      '900',
      '1800',
      '3600',
      '+Inf',
    ]);
  });
});
