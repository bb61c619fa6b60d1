import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from './helpers.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { documentedRoutes } from '../src/http/openapi.js';

/** The OpenAPI document covers every route the app serves, and the docs page works offline. */
let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(() => svc.close());

const NOT_API = /^[A-Z]+ \/(board|docs|openapi\.json|admin\/queues)/; // pages, not the API

describe('OpenAPI', () => {
  it('documents every route of the app', () => {
    const documented = documentedRoutes();
    const served = new Set(svc.runtime.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const missing = [...served].filter((r) => !NOT_API.test(r) && !documented.has(r));
    expect(missing).toEqual([]);
    const stale = [...documented].filter((r) => !served.has(r));
    expect(stale).toEqual([]);
  });

  it('serves OpenAPI 3.1 with the request schemas from zod', async () => {
    const res = await svc.call('GET', '/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const post = res.body.paths['/v1/readings'].post;
    const schema = post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(schema)).toContain('observedAt');
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(res.body.paths['/v1/townships/{id}/declare'].post.requestBody.content['application/json'].schema.properties.level.enum).toEqual([
      'IV',
      'III',
      'II',
      'I',
    ]);
  });

  it("is a valid OpenAPI 3.1 document by the specification's own JSON Schema", async () => {
    const validator = new Validator();
    const doc = (await svc.call('GET', '/openapi.json', { token: null })).body;
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator is not a rubber stamp: a response without its description is refused.
    const broken = structuredClone(doc);
    delete broken.paths['/v1/stations'].get.responses['200'].description;
    expect((await validator.validate(broken)).valid).toBe(false);
  });

  it('serves the reference page and its assets locally', async () => {
    const page = await svc.runtime.app.request('/docs');
    const html = await page.text();
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await svc.runtime.app.request('/docs/assets/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await svc.runtime.app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });
});
