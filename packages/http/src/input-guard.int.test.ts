import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { Type } from 'typebox';
import { createHttpApp } from './app.ts';
import { createLogger } from './logger.ts';
import { Timestamp } from './schemas.ts';

let app: FastifyInstance;
let reached = 0;
before(async () => {
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  app = await createHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: createLogger({ service: 'test', level: 'silent', destination: sink }),
  });
  const pub = { auth: 'public' as const };
  app.post(
    '/v1/things',
    {
      config: pub,
      schema: {
        body: Type.Object(
          { name: Type.String(), count: Type.Optional(Type.Integer()), tags: Type.Optional(Type.Unknown()) },
          { additionalProperties: false },
        ),
      },
    },
    async () => ({ reached: ++reached }),
  );
  app.get(
    '/v1/things',
    {
      config: pub,
      schema: {
        querystring: Type.Object({ q: Type.Optional(Type.String()), n: Type.Optional(Type.Integer()) }),
      },
    },
    async () => ({ reached: ++reached }),
  );
  // No schema at all: the guard still covers it.
  app.get('/v1/things/:id', { config: pub }, async () => ({ reached: ++reached }));
  app.get(
    '/v1/at',
    { config: pub, schema: { querystring: Type.Object({ at: Timestamp }, { additionalProperties: false }) } },
    async () => ({ reached: ++reached }),
  );
  app.post('/v1/private', { schema: { body: Type.Object({ name: Type.String() }) } }, async () => ({}));
  await app.ready();
});

async function assertRefused(request: InjectOptions, fields: readonly string[]): Promise<void> {
  const before = reached;
  const res = await app.inject(request);
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
  const body = res.json();
  assert.equal(body.code, 'validation_failed');
  assert.deepEqual(body.errors.map((e: { field: string }) => e.field).sort(), [...fields].sort());
  assert.equal(reached, before, 'the handler ran');
}

describe('input PostgreSQL would refuse is a 400 on every route', () => {
  it('given a NUL or a lone surrogate in body values, nested fields or property names, then it names the fields', async () => {
    await assertRefused({ method: 'POST', url: '/v1/things', payload: { name: 'a\u0000b' } }, ['body/name']);
    await assertRefused({ method: 'POST', url: '/v1/things', payload: { name: 'a\ud800b' } }, ['body/name']);
    await assertRefused(
      {
        method: 'POST',
        url: '/v1/things',
        payload: { name: 'ok', tags: [{ x: '\udfff' }, { 'k\u0000': 1 }] },
      },
      ['body/tags/0/x', 'body/tags/1'],
    );
  });

  it('given a JSON integer past 2^53 or beyond bigint, then it is refused rather than rounded', async () => {
    const payload = '{"name":"a","count":99999999999999999999}';
    await assertRefused(
      { method: 'POST', url: '/v1/things', payload, headers: { 'content-type': 'application/json' } },
      ['body/count'],
    );
  });

  it('given a NUL or an integer past 2^53 in the query, or a NUL in a path param, then it names them', async () => {
    await assertRefused({ method: 'GET', url: '/v1/things?q=a%00b' }, ['querystring/q']);
    await assertRefused({ method: 'GET', url: '/v1/things?n=99999999999999999999' }, ['querystring/n']);
    await assertRefused({ method: 'GET', url: '/v1/things/a%00b' }, ['params/id']);
  });

  it('given an instant PostgreSQL or Date cannot read, then the Timestamp schema refuses it', async () => {
    for (const at of ['2026-06-30T23:59:60Z', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00+23:00']) {
      await assertRefused({ method: 'GET', url: `/v1/at?at=${encodeURIComponent(at)}` }, ['querystring/at']);
    }
    const ok = await app.inject({ method: 'GET', url: '/v1/at?at=2026-06-30T23:59:59Z' });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  it('given clean input, then the handler runs', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/things',
      payload: { name: 'Zoë 👋', count: 3 },
    });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('given no token, then the answer is 401 whatever the body holds', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/private', payload: { name: '\u0000' } });
    assert.equal(res.statusCode, 401);
  });
});
