import assert from 'node:assert/strict';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type IdempotentOutcome, type IdempotentRequest, jsonResponse, refId } from '@strongbox/kernel';
import { createLocalJWKSet } from 'jose';
import { Type } from 'typebox';
import { createHttpApp } from './app.ts';
import { jwtVerifier } from './auth.ts';
import { type InFlightKeys, idempotently } from './idempotency.ts';
import { createLogger } from './logger.ts';
import { IdempotencyHeaders } from './schemas.ts';
import { requestRaw, type TestKeys, testKeys } from './testing.ts';

/**
 * The edge of the Idempotency-Key over real HTTP: Node's parser joins a repeated header into one value,
 * which only a real connection shows (Fastify's inject builds the request without it).
 */
let keys: TestKeys;
let app: Awaited<ReturnType<typeof createHttpApp>>;
let base: URL;
let token: string;
/** Answers by key, as a service's store would keep them; `runs` counts the work actually done. */
const stored = new Map<string, { hash: Buffer; outcome: IdempotentOutcome }>();
let runs = 0;
const inFlight: InFlightKeys = new Map();

function remember(req: IdempotentRequest): IdempotentOutcome {
  const earlier = stored.get(refId(req));
  if (earlier && !earlier.hash.equals(req.requestHash)) return { kind: 'mismatch' };
  if (earlier?.outcome.kind === 'done') return { ...earlier.outcome, replayed: true };
  runs += 1;
  const outcome: IdempotentOutcome = {
    kind: 'done',
    response: jsonResponse(201, { thing: runs, key: req.key }),
    replayed: false,
  };
  stored.set(refId(req), { hash: req.requestHash, outcome });
  return outcome;
}

before(async () => {
  keys = await testKeys({ issuer: 'iss-test', audience: 'aud-test' });
  token = await keys.sign('usr_1', ['customer']);
  app = await createHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: createLogger({ service: 'test', level: 'silent' }),
    verifier: jwtVerifier({
      keys: createLocalJWKSet({ keys: [keys.jwk] }),
      issuer: 'iss-test',
      audience: 'aud-test',
    }),
  });
  app.post(
    '/v1/things',
    {
      schema: {
        headers: IdempotencyHeaders,
        body: Type.Object({ name: Type.String() }, { additionalProperties: false }),
      },
    },
    (request, reply) => idempotently(request, reply, async (req) => remember(req), inFlight),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = new URL(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
});
after(async () => {
  await app.close();
});

/** A POST over a real connection; a header given as an array is sent as that many header lines. */
async function post(headers: OutgoingHttpHeaders, body: unknown) {
  const res = await requestRaw(new URL('/v1/things', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { ...res, json: JSON.parse(res.text) };
}

describe('Idempotency-Key at the edge', () => {
  it('given the header twice, then it is refused with 400 idempotency_key_repeated and nothing runs', async () => {
    const before = runs;
    const res = await post({ 'idempotency-key': ['k-a', 'k-b'] }, { name: 'x' });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 'idempotency_key_repeated');
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(res.json.errors, [
      { field: 'headers/idempotency-key', message: 'is sent more than once' },
    ]);
    assert.equal(runs, before);
    // Neither key, nor Node's joined "k-a, k-b", was taken.
    assert.equal(
      [...stored.keys()].some((k) => k.includes('k-a') || k.includes('k-b')),
      false,
    );
  });

  it('given the header twice with the same value, then it is refused too', async () => {
    const res = await post({ 'idempotency-key': ['k-same', 'k-same'] }, { name: 'x' });
    assert.deepEqual([res.status, res.json.code], [400, 'idempotency_key_repeated']);
  });

  it('given one header, then the first answer is replayed byte for byte and a different request is 422', async () => {
    const first = await post({ 'idempotency-key': 'k-1' }, { name: 'x' });
    assert.equal(first.status, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await post({ 'idempotency-key': 'k-1' }, { name: 'x' });
    assert.deepEqual([again.status, again.json], [201, first.json]);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const other = await post({ 'idempotency-key': 'k-1' }, { name: 'y' });
    assert.deepEqual([other.status, other.json.code], [422, 'idempotency_key_reused']);
  });
});
