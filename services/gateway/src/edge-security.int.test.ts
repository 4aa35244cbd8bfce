import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HSTS_HEADER_VALUE } from '@strongbox/http';
import { ConfigError } from '@strongbox/kernel';
import { loadConfig, readTls } from './config.ts';
import { CORS_MAX_AGE_SECONDS } from './cors.ts';
import { startFakeIdentity, startGateway } from './testing.ts';

const ALLOWED = 'https://shop.example';
const REFUSED = 'https://evil.example';

/** Whether the openssl command line is installed: node can make keys but not an X.509 certificate. */
function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1, valid for a day, in a directory of its own. */
function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

function getOverTls(url: string, ca: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway over HTTPS', { skip: !hasOpenssl() && 'openssl is not installed' }, () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let dir: string;
  let cert: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-tls-'));
    const files = selfSignedCertificate(dir);
    const config = loadConfig({ GATEWAY_TLS_CERT: files.certFile, GATEWAY_TLS_KEY: files.keyFile });
    const tls = readTls(config.tls);
    assert.ok(tls);
    cert = tls.cert;
    identity = await startFakeIdentity();
    gateway = await startGateway({ IDENTITY_URL: identity.url }, { https: tls });
  });
  after(async () => {
    await gateway?.stop();
    await identity?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the configured certificate and sends HSTS on every answer, refusals included', async () => {
    assert.match(gateway.url, /^https:\/\//);
    const health = await getOverTls(`${gateway.url}/health`, cert);
    assert.equal(health.status, 200);
    assert.equal(health.headers['strict-transport-security'], HSTS_HEADER_VALUE);
    const proxied = await getOverTls(`${gateway.url}/.well-known/jwks.json`, cert);
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers['strict-transport-security'], HSTS_HEADER_VALUE);
    const refused = await getOverTls(`${gateway.url}/v1/me`, cert);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['strict-transport-security'], HSTS_HEADER_VALUE);
  });

  it('refuses a certificate setting with one half missing or an unreadable file, naming the variable', () => {
    assert.throws(
      () => loadConfig({ GATEWAY_TLS_CERT: join(dir, 'cert.pem') }),
      (e) => e instanceof ConfigError && e.variable === 'GATEWAY_TLS_KEY',
    );
    const config = loadConfig({
      GATEWAY_TLS_CERT: join(dir, 'absent.pem'),
      GATEWAY_TLS_KEY: join(dir, 'key.pem'),
    });
    assert.throws(
      () => readTls(config.tls),
      (e) => e instanceof ConfigError && e.variable === 'GATEWAY_TLS_CERT' && !e.message.includes('\n'),
    );
  });
});

describe('gateway CORS', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let closed: Awaited<ReturnType<typeof startGateway>>;
  const preflight = (base: string, origin: string, path = '/v1/me') =>
    fetch(`${base}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, idempotency-key',
      },
    });

  before(async () => {
    identity = await startFakeIdentity();
    gateway = await startGateway({
      IDENTITY_URL: identity.url,
      GATEWAY_CORS_ORIGINS: `${ALLOWED}, http://localhost:5173`,
    });
    closed = await startGateway({ IDENTITY_URL: identity.url });
  });
  after(async () => {
    await gateway?.stop();
    await closed?.stop();
    await identity?.stop();
  });

  it('sends no HSTS over plain HTTP', async () => {
    const res = await fetch(`${gateway.url}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('strict-transport-security'), null);
  });

  it('answers the preflight of an allowed origin itself, without a token and without the upstream', async () => {
    const seen = identity.received.length;
    const res = await preflight(gateway.url, ALLOWED);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    const allowed = res.headers.get('access-control-allow-headers') ?? '';
    for (const h of ['authorization', 'content-type', 'idempotency-key', 'if-match', 'traceparent'])
      assert.ok(allowed.includes(h), h);
    assert.equal(res.headers.get('access-control-max-age'), String(CORS_MAX_AGE_SECONDS));
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.match(res.headers.get('vary') ?? '', /origin/i);
    assert.equal(identity.received.length, seen, 'a preflight never reaches the upstream');
  });

  it('lets an allowed page read the answer and its headers', async () => {
    const token = await identity.sign();
    const res = await fetch(`${gateway.url}/v1/me`, {
      headers: { origin: ALLOWED, authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    const exposed = res.headers.get('access-control-expose-headers') ?? '';
    for (const h of ['retry-after', 'etag', 'idempotent-replayed', 'traceparent', 'x-trace-id'])
      assert.ok(exposed.includes(h), h);
  });

  it('lets an allowed page read a refusal too (a 401 problem)', async () => {
    const res = await fetch(`${gateway.url}/v1/me`, { headers: { origin: ALLOWED } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
  });

  it('gives a refused origin no Access-Control-Allow-Origin, on the preflight or on the answer', async () => {
    const seen = identity.received.length;
    const pre = await preflight(gateway.url, REFUSED);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await fetch(`${gateway.url}/.well-known/jwks.json`, { headers: { origin: REFUSED } });
    assert.equal(res.status, 200, 'a request the browser will hide is still answered');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(identity.received.length, seen);
    // Exactly: a suffix or another scheme or port is another origin.
    for (const other of ['https://shop.example.evil', 'http://shop.example', 'https://shop.example:8443']) {
      const r = await preflight(gateway.url, other);
      assert.equal(r.headers.get('access-control-allow-origin'), null, other);
    }
  });

  it('allows no origin at all by default, and still answers preflights itself', async () => {
    const seen = identity.received.length;
    const res = await preflight(closed.url, ALLOWED, '/.well-known/jwks.json');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(identity.received.length, seen);
  });

  it('refuses an origin list that is not exact origins', () => {
    for (const bad of ['*', 'https://shop.example/', 'shop.example', 'null', 'https://*.example'])
      assert.throws(
        () => loadConfig({ GATEWAY_CORS_ORIGINS: bad }),
        (e) => e instanceof ConfigError && e.variable === 'GATEWAY_CORS_ORIGINS',
        bad,
      );
  });
});
