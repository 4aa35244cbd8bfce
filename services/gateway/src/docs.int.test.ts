import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Problem } from '@strongbox/http';
import { closedPortUrl, startFakeIdentity, startGateway } from './testing.ts';

/** The parts of an OpenAPI document these tests read. */
interface DocView {
  info: { title: string; version: string; description: string };
  security?: unknown[];
  tags?: { name: string }[];
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses?: Record<string, { $ref?: string }> }>
  >;
  components: {
    schemas: Record<string, { properties?: Record<string, { $ref?: string }> }>;
    securitySchemes: Record<string, unknown>;
  };
}

describe('gateway documentation and operations endpoints', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    identity = await startFakeIdentity();
    gateway = await startGateway({ IDENTITY_URL: identity.url });
  });
  after(async () => {
    await gateway.stop();
    await identity.stop();
  });

  it('serves Swagger UI from bundled assets, without a token', async () => {
    const res = await fetch(`${gateway.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /swagger-ui-bundle\.js/);
    assert.doesNotMatch(html, /(src|href)="https?:/, 'no asset comes from a CDN');
    const bundle = await fetch(`${gateway.url}/docs/static/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    await bundle.body?.cancel();
  });

  it('serves one merged document at /openapi.json and to Swagger UI, fetched once per TTL', async () => {
    const res = await fetch(`${gateway.url}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as DocView;
    assert.equal(doc.info.title, 'Strongbox API');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/v1/auth/login', '/v1/me']);
    assert.ok(doc.components.schemas.Me);
    assert.ok(doc.components.securitySchemes.bearer);
    assert.deepEqual(doc.paths['/v1/auth/login']?.post?.security, [], 'public routes need no token');
    assert.equal(doc.paths['/v1/me']?.get?.security, undefined);
    assert.doesNotMatch(doc.info.description, /could not be reached/);

    const ui = await (await fetch(`${gateway.url}/docs/json`)).json();
    assert.deepEqual(ui, doc);
    // /docs, /openapi.json and /docs/json were all served, from one fetch of the upstream's document.
    assert.equal(identity.hits.openapi, 1, 'the cached document is reused');
  });

  it('reports health, readiness against identity, and metrics', async () => {
    assert.equal((await fetch(`${gateway.url}/health`)).status, 200);
    const ready = await fetch(`${gateway.url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { identity: 'ok' });
    const metrics = await fetch(`${gateway.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /http_request_duration_seconds/);
  });
});

describe('gateway documentation with identity down', () => {
  it('still serves a document, says what is missing, and is not ready', async () => {
    const gateway = await startGateway({ IDENTITY_URL: await closedPortUrl() });
    try {
      const res = await fetch(`${gateway.url}/openapi.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as DocView;
      assert.deepEqual(doc.paths, {});
      assert.match(doc.info.description, /could not be reached: identity \(connection refused\)/);
      const ready = await fetch(`${gateway.url}/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as Problem).code, 'not_ready');
    } finally {
      await gateway.stop();
    }
  });
});
