import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { startService, smallDataset, testConfig, type TestService } from './helpers.js';

/**
 * The API over a real socket, as gauges reach it (@hono/node-server): the ingest path reads
 * the body straight from Node's request stream and sets its headers before the handler
 * answers, which `app.request` in the other suites does not exercise.
 */
let svc: TestService;
let server: ServerType;
let url: string;
let key: string;
const LIMIT = 8 * 1024;

beforeAll(async () => {
  svc = await startService({ config: testConfig((c) => void (c.service.ingest.maxBodyBytes = LIMIT)) });
  await svc.importData(smallDataset());
  key = await svc.gaugeKey(['R1']);
  server = serve({ fetch: svc.runtime.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await svc.close();
});

const reading = (minutesAgo: number) => ({ stationId: 'R1', observedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(), rainfallMm: 1.5 });
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/readings`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    duplex: 'half',
  } as RequestInit);

/** A body sent in chunks (no Content-Length). */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 1024) controller.enqueue(bytes.subarray(i, i + 1024));
      controller.close();
    },
  });
}

describe('POST /v1/readings over a socket', () => {
  it('stores a single reading, with the request id and security headers on the answer', async () => {
    const res = await post(JSON.stringify(reading(10)), { 'x-request-id': 'gauge-42' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(res.headers.get('x-request-id')).toBe('gauge-42');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('content-security-policy')).toBeNull();
    // Stored: the same reading again is a duplicate.
    const again = await post(JSON.stringify(reading(10)));
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('reads a body sent in chunks, and one starting with a byte-order mark, as before', async () => {
    const inChunks = await post(chunked(JSON.stringify({ readings: [reading(20), reading(25)] })));
    expect(inChunks.status).toBe(202);
    expect(await inChunks.json()).toMatchObject({ accepted: 2 });
    const bom = await post(`\uFEFF${JSON.stringify(reading(30))}`);
    expect(bom.status).toBe(202);
  });

  it('refuses what is not JSON or too big in the one error shape', async () => {
    const bad = await post('{"stationId": "R1",');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_json', requestId: expect.any(String) });
    const big = JSON.stringify({ readings: [{ ...reading(40), pad: 'x'.repeat(LIMIT) }] });
    const stated = await post(big);
    expect(stated.status).toBe(413);
    expect((await stated.json()).error.code).toBe('body_too_large');
    const streamed = await post(chunked(big));
    expect(streamed.status).toBe(413);
    expect((await streamed.json()).error.code).toBe('body_too_large');
    expect(streamed.headers.get('x-frame-options')).toBe('DENY');
  });

  it('gives pages a Content-Security-Policy and keeps a Referrer-Policy a route sets', async () => {
    const page = await fetch(`${url}/board/login`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });
});
