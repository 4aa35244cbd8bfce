import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Problem } from '@strongbox/http';
import { BREAKER_FAILURES_MAX } from './breakers.ts';
import { startFakeIdentity, startGateway } from './testing.ts';

/**
 * An upstream whose connections can be cut at once (a crashed process behind a live port), counting how
 * many the gateway opened.
 */
async function flakyUpstream(target: string) {
  let broken = true;
  let connections = 0;
  const { hostname, port } = new URL(target);
  const server: Server = createServer((socket) => {
    connections += 1;
    if (broken) return socket.destroy();
    // Healthy: relay the bytes to the real upstream.
    const upstream = connect(Number(port), hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => connections,
    heal: () => {
      broken = false;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * How long the circuit stays open before a probe. The test asks the open circuit once right after the
 * failures and must get its answer inside this window, so it is long enough for a loaded machine; healing
 * then waits for it on a condition.
 */
const HALF_OPEN_AFTER_MS = 5_000;
/** Bound of the wait for a probe to close the circuit again: the half-open wait and room to spare. */
const HEAL_TIMEOUT_MS = HALF_OPEN_AFTER_MS + 30_000;
const HEAL_POLL_MS = 200;

describe('gateway circuit breakers', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let flaky: Awaited<ReturnType<typeof flakyUpstream>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    identity = await startFakeIdentity();
    flaky = await flakyUpstream(identity.url);
    gateway = await startGateway(
      { IDENTITY_URL: flaky.url, IDENTITY_JWKS_URL: `${identity.url}/.well-known/jwks.json` },
      { breakerHalfOpenAfterMs: HALF_OPEN_AFTER_MS },
    );
  });
  after(async () => {
    await gateway.stop();
    await flaky.stop();
    await identity.stop();
  });

  it('given an upstream that keeps failing, then the circuit opens and callers get 503 at once without a connection, until a probe finds it healthy again', async () => {
    const token = await identity.sign();
    const me = async () => {
      const res = await fetch(`${gateway.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      const body = res.headers.get('content-type')?.includes('json')
        ? ((await res.json()) as Problem)
        : undefined;
      return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
    };
    for (let i = 0; i < BREAKER_FAILURES_MAX; i++) {
      const r = await me();
      assert.ok(r.status === 502 || r.status === 503, `failure ${i + 1}: ${r.status}`);
    }
    const tried = flaky.connections();
    assert.ok(tried >= BREAKER_FAILURES_MAX);

    const open = await me();
    assert.equal(open.status, 503);
    assert.equal(open.body?.code, 'upstream_unavailable');
    assert.ok(Number(open.retryAfter) >= 1);
    assert.equal(flaky.connections(), tried, 'an open circuit sends nothing upstream');

    flaky.heal();
    const deadline = Date.now() + HEAL_TIMEOUT_MS;
    let healed = await me();
    while (healed.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, HEAL_POLL_MS));
      healed = await me();
    }
    assert.equal(healed.status, 200, 'after the half-open wait a probe gets through and closes the circuit');
    assert.equal((await me()).status, 200);
  });
});
