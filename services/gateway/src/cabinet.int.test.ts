import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ASSET_CACHE, CABINET_ROUTES, CONTENT_SECURITY_POLICY, INDEX_CACHE } from './cabinet.ts';
import { startFakeIdentity, startGateway } from './testing.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head></html>';
const SCRIPT = 'console.log("cabinet")';

/** A GET with the path sent exactly as written (fetch would resolve the dot segments first). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

describe('the cabinet served by the gateway', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let bare: Awaited<ReturnType<typeof startGateway>>;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cabinet-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-AbC123.js'), SCRIPT);
    await writeFile(join(dir, 'assets', 'index-AbC123.css'), 'body{}');
    identity = await startFakeIdentity();
    gateway = await startGateway({ IDENTITY_URL: identity.url, GATEWAY_CABINET_DIR: dir });
    bare = await startGateway({ IDENTITY_URL: identity.url, GATEWAY_CABINET_DIR: join(dir, 'absent') });
  });
  after(async () => {
    await gateway.stop();
    await bare.stop();
    await identity.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves index.html for the cabinet's screens, revalidated, under a strict CSP", async () => {
    for (const path of ['/', '/login', '/accounts/acc_0192', '/orders/ord_1', '/pay?from=acc_1']) {
      const res = await fetch(`${gateway.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(await res.text(), INDEX);
      assert.equal(res.headers.get('cache-control'), INDEX_CACHE);
      assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
    assert.ok(CABINET_ROUTES.every((r) => !r.startsWith('/v1')));
  });

  it('serves hashed assets for a year, immutable, with their type', async () => {
    const js = await fetch(`${gateway.url}/assets/index-AbC123.js`);
    assert.equal(js.status, 200);
    assert.equal(await js.text(), SCRIPT);
    assert.equal(js.headers.get('cache-control'), ASSET_CACHE);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    const css = await fetch(`${gateway.url}/assets/index-AbC123.css`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.equal(css.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  });

  it('never answers index.html for API paths, unknown paths or tampered asset paths', async () => {
    const paths = [
      '/v1',
      '/v1/',
      '/v1/nothing-here',
      '/v1/accounts/x/../../../index.html',
      '/v1/index.html',
      '/v1/cabinet/accounts',
      '/v2/accounts',
      '/index.html',
      '/accounts/a/b',
      '/assets/missing.js',
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2fpackage.json',
      '/v1/%2e%2e/accounts',
      '/v1/..%2faccounts',
      '/v1/accounts/%00',
    ];
    for (const path of paths) {
      const res = await rawGet(gateway.url, path);
      assert.ok(res.status >= 400, `${path} answered ${res.status}`);
      assert.ok(!res.text.includes('<!doctype html>'), `${path} was served index.html`);
      assert.match(res.type, /^application\/problem\+json/, path);
    }
    const unknown = await fetch(`${gateway.url}/v1/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'route_not_found');
  });

  it('answers only GET (and HEAD) on the screens', async () => {
    const post = await fetch(`${gateway.url}/accounts`, { method: 'POST' });
    assert.equal(post.status, 404);
    assert.match(post.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('serves nothing at / when the cabinet has not been built', async () => {
    const res = await fetch(`${bare.url}/`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });
});
