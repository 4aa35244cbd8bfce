import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Problem } from '@strongbox/http';
import { BREAKER_FAILURES_MAX } from './breakers.ts';
import { closedPortUrl, patternBytes, startFakeIdentity, startGateway } from './testing.ts';
import { WHOLE_ANSWER_BYTES_MAX } from './upstream.ts';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function problem(res: Response, status: number, code: string) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = (await res.json()) as Problem;
  assert.equal(body.code, code);
  assert.equal(body.traceId, res.headers.get('x-trace-id'));
  return body;
}

describe('gateway proxy and token check', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    identity = await startFakeIdentity();
    gateway = await startGateway({ IDENTITY_URL: identity.url }, { bodyLimitBytes: 1024 });
  });
  after(async () => {
    await gateway.stop();
    await identity.stop();
  });

  it('proxies a valid token with its Authorization, the trace id and the query unchanged', async () => {
    const token = await identity.sign();
    const res = await fetch(`${gateway.url}/v1/me?limit=5`, {
      headers: { ...bearer(token), 'x-trace-id': 'client-trace-0001', 'x-forwarded-for': '6.6.6.6' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-trace-id'), 'client-trace-0001');
    const got = identity.received.at(-1);
    assert.equal(got?.url, '/v1/me?limit=5');
    assert.equal(got?.headers.authorization, `Bearer ${token}`);
    assert.equal(got?.headers['x-trace-id'], 'client-trace-0001');
    // A custom id cannot live in a traceparent, so none is sent and upstreams keep the caller's id.
    assert.equal(got?.headers.traceparent, undefined);
    assert.equal(got?.headers['x-forwarded-for'], '127.0.0.1', 'a caller cannot choose its forwarded IP');
    assert.equal(got?.headers['x-forwarded-proto'], 'http');
    assert.equal(got?.headers['x-forwarded-host'], new URL(gateway.url).host);
  });

  it('continues a W3C trace: same trace id, the gateway as parent span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${gateway.url}/.well-known/openid-configuration`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-trace-id'), traceId, "the gateway's id, not the upstream's own");
    const got = identity.received.at(-1);
    assert.equal(got?.headers['x-trace-id'], traceId);
    const parts = String(got?.headers.traceparent).split('-');
    assert.equal(parts[1], traceId);
    assert.notEqual(parts[2], '00f067aa0ba902b7');
    assert.equal(res.headers.get('traceparent'), got?.headers.traceparent);
  });

  it('serves public routes without a token and forwards bodies byte for byte', async () => {
    const json = Buffer.from('{ "email" :  "a@example.com",\n"amount": 1.50, "x": "\\u00e9" }');
    const res = await fetch(`${gateway.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: json,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(identity.received.at(-1)?.body, json);
    assert.equal(identity.received.at(-1)?.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), json);

    const binary = Buffer.from([0, 255, 1, 254, 0x7b, 0x0a]);
    const raw = await fetch(`${gateway.url}/v1/auth/register`, { method: 'POST', body: binary });
    assert.equal(raw.status, 200);
    assert.deepEqual(identity.received.at(-1)?.body, binary);
  });

  it('refuses a body over the limit before it reaches the upstream', async () => {
    const before = identity.received.length;
    const res = await fetch(`${gateway.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2048) }),
    });
    await problem(res, 413, 'body_too_large');
    assert.equal(identity.received.length, before);
  });

  it('passes upstream problems through with their status and body', async () => {
    const res = await fetch(`${gateway.url}/v1/me/problem`, { headers: bearer(await identity.sign()) });
    assert.equal(res.status, 409);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(((await res.json()) as Problem).code, 'conflict');
  });

  it('passes short, long and unsized answers through byte for byte, and a HEAD with its length', async () => {
    const headers = bearer(await identity.sign());
    for (const bytes of [10, WHOLE_ANSWER_BYTES_MAX, WHOLE_ANSWER_BYTES_MAX * 3 + 7]) {
      for (const query of [`bytes=${bytes}`, `bytes=${bytes}&unsized`]) {
        const res = await fetch(`${gateway.url}/v1/me/long?${query}`, { headers });
        assert.equal(res.status, 200, query);
        assert.equal(res.headers.get('x-trace-id')?.length, 32, `${query}: the gateway's trace headers`);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), patternBytes(bytes), query);
      }
    }
    const head = await fetch(`${gateway.url}/v1/me/long?bytes=1234`, { method: 'HEAD', headers });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '1234');
  });

  it('rejects missing, forged, misdirected, expired and tampered tokens before proxying', async () => {
    const before = identity.received.length;
    await problem(await fetch(`${gateway.url}/v1/me`), 401, 'unauthenticated');
    // A partly public prefix protects everything but its listed paths.
    await problem(await fetch(`${gateway.url}/v1/auth/password`, { method: 'POST' }), 401, 'unauthenticated');

    const claims = {
      sub: 'usr_1',
      iss: 'strongbox-identity',
      aud: 'strongbox',
      jti: 'j',
      exp: 9_999_999_999,
    };
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    const valid = await identity.sign();
    const [h, , s] = valid.split('.');
    const tampered = `${h}.${b64url({ ...claims, roles: ['admin'] })}.${s}`;
    const tokens = {
      none,
      wrongAudience: await identity.sign({}, { aud: 'someone-else' }),
      expired: await identity.sign({}, { expSeconds: -120 }),
      tampered,
      otherKeySameKid: await identity.sign({}, { key: identity.otherKey }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await fetch(`${gateway.url}/v1/me`, { headers: bearer(token) });
      const body = await problem(res, 401, 'invalid_token');
      assert.ok(body.detail, name);
      assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    }
    assert.equal(identity.received.length, before, 'no rejected request reached the upstream');
  });

  it('answers 504 upstream_timeout when the upstream never answers', async () => {
    const res = await fetch(`${gateway.url}/v1/me/hang`, { headers: bearer(await identity.sign()) });
    const body = await problem(res, 504, 'upstream_timeout');
    assert.match(body.detail, /identity/);
  });

  it('given callers who hang up before the upstream answers, then no failure is counted against it', async () => {
    const headers = bearer(await identity.sign());
    for (let i = 0; i <= BREAKER_FAILURES_MAX; i++) {
      const sent = identity.received.length;
      const caller = new AbortController();
      const pending = fetch(`${gateway.url}/v1/me/hang`, { headers, signal: caller.signal }).catch(
        () => undefined,
      );
      const deadline = Date.now() + CONDITION_WAIT_MS;
      while (identity.received.length === sent && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      caller.abort();
      await pending;
    }
    const res = await fetch(`${gateway.url}/v1/me`, { headers });
    assert.equal(res.status, 200, 'the circuit to identity is still closed');
  });

  it('answers 404 route_not_found for paths no prefix owns', async () => {
    await problem(await fetch(`${gateway.url}/v1/nothing-here`), 404, 'route_not_found');
    await problem(await fetch(`${gateway.url}/v1/meow`), 404, 'route_not_found');
  });

  it('refuses dot segments that would leave a public prefix', async () => {
    const before = identity.received.length;
    const { status, body } = await rawGet(`${gateway.url}/.well-known/../v1/me`);
    assert.equal(status, 400);
    assert.equal((JSON.parse(body) as Problem).code, 'invalid_path');
    const encoded = await rawGet(`${gateway.url}/.well-known/%2e%2e/v1/me`);
    assert.equal(encoded.status, 400);
    assert.equal(identity.received.length, before);
  });
});

describe('gateway with an upstream that is down', () => {
  it('answers 503 upstream_unavailable, public or with a valid token', async () => {
    const identity = await startFakeIdentity();
    // Keys still come from the live stand-in, so the token check passes and only the proxying fails.
    const gateway = await startGateway({
      IDENTITY_URL: await closedPortUrl(),
      IDENTITY_JWKS_URL: `${identity.url}/.well-known/jwks.json`,
    });
    try {
      await problem(
        await fetch(`${gateway.url}/v1/auth/login`, { method: 'POST' }),
        503,
        'upstream_unavailable',
      );
      const res = await fetch(`${gateway.url}/v1/me`, {
        headers: { authorization: `Bearer ${await identity.sign()}` },
      });
      await problem(res, 503, 'upstream_unavailable');
    } finally {
      await gateway.stop();
      await identity.stop();
    }
  });

  it('answers 503 auth_unavailable when the signing keys cannot be fetched', async () => {
    const identity = await startFakeIdentity();
    const gateway = await startGateway({ IDENTITY_URL: await closedPortUrl() });
    try {
      const res = await fetch(`${gateway.url}/v1/me`, {
        headers: { authorization: `Bearer ${await identity.sign()}` },
      });
      await problem(res, 503, 'auth_unavailable');
    } finally {
      await gateway.stop();
      await identity.stop();
    }
  });
});

/** Generous bound of a wait for a condition on a loaded machine. */
const CONDITION_WAIT_MS = 10_000;

/** fetch would normalise `..` away before sending; node:http sends the path exactly as written. */
function rawGet(url: string): Promise<{ status: number; body: string }> {
  const { host, port } = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: host.split(':')[0], port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}
