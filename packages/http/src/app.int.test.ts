import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { defineErrors } from '@strongbox/kernel';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { Type } from 'typebox';
import { createHttpApp } from './app.ts';
import { jwtVerifier } from './auth.ts';
import { createLogger } from './logger.ts';

const errors = defineErrors({ thing_missing: { status: 404, title: 'No such thing' } });

async function keys() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
  const sign = (
    claims: Record<string, unknown>,
    opts: { aud?: string; expSeconds?: number; typ?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: opts.typ ?? 'at+jwt' })
      .setIssuer('iss-test')
      .setAudience(opts.aud ?? 'aud-test')
      .setSubject('usr_1')
      .setJti('jti-1')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSeconds ?? 60))
      .sign(privateKey);
  return { jwks: createLocalJWKSet({ keys: [jwk] }), sign };
}

async function build(lines: string[] = []) {
  const k = await keys();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const app = await createHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: createLogger({ service: 'test', level: 'info', destination: sink }),
    verifier: jwtVerifier({ keys: k.jwks, issuer: 'iss-test', audience: 'aud-test' }),
    readiness: { db: async () => undefined },
    bodyLimitBytes: 1024,
  });
  app.post(
    '/v1/things',
    {
      config: { auth: 'public' },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), count: Type.Integer() },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => reply.code(201).send({ ok: true, body: request.body }),
  );
  app.get('/v1/things/:id', async () => {
    throw errors.thing_missing('No thing with that id');
  });
  app.get('/v1/boom', { config: { auth: 'public' } }, async () => {
    throw new Error('secret internal detail: password=hunter2');
  });
  app.get('/v1/admin', { config: { auth: { roles: ['admin'] } } }, async () => ({ ok: true }));
  app.get('/v1/whoami', async (request) => request.principal);
  await app.ready();
  return { app, ...k };
}

describe('createHttpApp', () => {
  it('rejects unknown fields and wrong types with field errors', async () => {
    const { app } = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/things',
      payload: { name: 'a', count: '3', extra: 1 },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    const body = res.json();
    assert.equal(body.code, 'validation_failed');
    assert.equal(body.status, 400);
    const fields = body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['body/count', 'body/extra']);
    assert.equal(typeof body.traceId, 'string');
  });

  it('accepts a valid body', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'POST', url: '/v1/things', payload: { name: 'a', count: 3 } });
    assert.equal(res.statusCode, 201);
  });

  it('answers malformed JSON, unknown routes and too-large bodies with problems', async () => {
    const { app } = await build();
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'malformed_json');
    const missing = await app.inject({ method: 'GET', url: '/v1/nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'route_not_found');
    const big = await app.inject({
      method: 'POST',
      url: '/v1/things',
      payload: { name: 'x'.repeat(5000), count: 1 },
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'body_too_large');
  });

  it('maps catalogue errors to their status and hides a bug behind a 500', async () => {
    const lines: string[] = [];
    const { app, sign } = await build(lines);
    const token = await sign({ roles: ['customer'] });
    const nf = await app.inject({
      method: 'GET',
      url: '/v1/things/1',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.json().code, 'thing_missing');
    const boom = await app.inject({ method: 'GET', url: '/v1/boom' });
    assert.equal(boom.statusCode, 500);
    assert.equal(boom.json().code, 'internal_error');
    assert.doesNotMatch(boom.body, /secret internal detail|hunter2/);
    assert.ok(
      lines.some((l) => l.includes('unhandled error')),
      'the bug is logged',
    );
  });

  it('requires and checks bearer tokens and roles', async () => {
    const { app, sign } = await build();
    const none = await app.inject({ method: 'GET', url: '/v1/whoami' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'unauthenticated');
    assert.match(none.headers['www-authenticate'] as string, /^Bearer/);
    const wrongAud = await sign({ roles: ['customer'] }, { aud: 'other' });
    const r1 = await app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: `Bearer ${wrongAud}` },
    });
    assert.equal(r1.json().code, 'invalid_token');
    const expired = await sign({ roles: ['customer'] }, { expSeconds: -3600 });
    const r2 = await app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: `Bearer ${expired}` },
    });
    assert.equal(r2.statusCode, 401);
    const good = await sign({ roles: ['customer'] });
    const [h, p] = good.split('.');
    const noneToken = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url')}.${p}.`;
    const r3 = await app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: `Bearer ${noneToken}` },
    });
    assert.equal(r3.statusCode, 401);
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'usr_2', roles: ['admin'] })).toString('base64url')}.${good.split('.')[2]}`;
    const r4 = await app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: `Bearer ${tampered}` },
    });
    assert.equal(r4.statusCode, 401);
    const ok = await app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: `Bearer ${good}` },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().sub, 'usr_1');
    const forbidden = await app.inject({
      method: 'GET',
      url: '/v1/admin',
      headers: { authorization: `Bearer ${good}` },
    });
    assert.equal(forbidden.statusCode, 403);
    const admin = await sign({ roles: ['admin'] });
    const allowed = await app.inject({
      method: 'GET',
      url: '/v1/admin',
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(allowed.statusCode, 200);
  });

  it('accepts, generates and echoes trace ids', async () => {
    const { app } = await build();
    const given = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-trace-id': 'trace-abc-12345' },
    });
    assert.equal(given.headers['x-trace-id'], 'trace-abc-12345');
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const w3c = await app.inject({ method: 'GET', url: '/health', headers: { traceparent: tp } });
    assert.equal(w3c.headers['x-trace-id'], '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.match(
      w3c.headers['traceparent'] as string,
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/,
    );
    const fresh = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-trace-id': 'bad id with spaces' },
    });
    assert.match(fresh.headers['x-trace-id'] as string, /^[0-9a-f]{32}$/);
  });

  it('serves health, readiness, metrics by route and status, and the OpenAPI document', async () => {
    const { app } = await build();
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json().checks, { db: 'ok' });
    await app.inject({ method: 'POST', url: '/v1/things', payload: { name: 'a', count: 1 } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    const histogram =
      /http_request_duration_seconds_count\{[^}]*method="POST",route="\/v1\/things",status_code="201"\} 1/;
    assert.ok(histogram.test(metrics.body), 'a duration histogram per route template and status');
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/things']);
    assert.equal(doc.paths['/health'], undefined, 'operational routes stay out of the API document');
  });
});
