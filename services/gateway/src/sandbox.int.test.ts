import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_SIM_PREFIX } from './config.ts';
import { startFakeIdentity, startGateway } from './testing.ts';

/**
 * The bank sandbox's /_sim/ controls behind the gateway. The stand-in for identity also plays the
 * sandbox (BANK_URL points at it): it echoes what reached it, so the test sees the rewritten path and the
 * credential the gateway sent.
 */
describe('the bank sandbox controls at the gateway', () => {
  let upstream: Awaited<ReturnType<typeof startFakeIdentity>>;
  let exposed: Awaited<ReturnType<typeof startGateway>>;
  let hidden: Awaited<ReturnType<typeof startGateway>>;
  const BANK_TOKEN = 'the-sandbox-token';
  const as = async (roles: string[]) => ({ authorization: `Bearer ${await upstream.sign({ roles })}` });

  before(async () => {
    upstream = await startFakeIdentity();
    exposed = await startGateway({
      IDENTITY_URL: upstream.url,
      BANK_URL: upstream.url,
      BANK_API_TOKEN: BANK_TOKEN,
      GATEWAY_EXPOSE_BANK_SANDBOX: 'true',
    });
    hidden = await startGateway({ IDENTITY_URL: upstream.url, BANK_URL: upstream.url });
  });
  after(async () => {
    await exposed.stop();
    await hidden.stop();
    await upstream.stop();
  });

  it('forwards an admin to the sandbox /_sim/, with the bank token instead of the access token', async () => {
    const res = await fetch(`${exposed.url}${SANDBOX_SIM_PREFIX}/faults`, {
      method: 'PUT',
      headers: { ...(await as(['admin'])), 'content-type': 'application/json' },
      body: '{"burst429":2}',
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"burst429":2}');
    const got = upstream.received.at(-1);
    assert.equal(got?.method, 'PUT');
    assert.equal(got?.url, '/_sim/faults');
    assert.equal(got?.headers.authorization, `Bearer ${BANK_TOKEN}`);
    const clock = await fetch(`${exposed.url}${SANDBOX_SIM_PREFIX}/clock?x=1`, {
      headers: await as(['admin']),
    });
    assert.equal(clock.status, 200);
    await clock.body?.cancel();
    assert.equal(upstream.received.at(-1)?.url, '/_sim/clock?x=1');
  });

  it('refuses a signed-in caller without the admin role (403) and an anonymous one (401)', async () => {
    const before = upstream.received.length;
    const customer = await fetch(`${exposed.url}${SANDBOX_SIM_PREFIX}/faults`, {
      headers: await as(['customer', 'operator']),
    });
    assert.equal(customer.status, 403);
    assert.equal(((await customer.json()) as { code: string }).code, 'forbidden');
    const anonymous = await fetch(`${exposed.url}${SANDBOX_SIM_PREFIX}/faults`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    assert.equal(upstream.received.length, before, 'nothing reached the sandbox');
  });

  it('does not exist unless the sandbox is the configured bank: 404 even for an admin', async () => {
    const before = upstream.received.length;
    const res = await fetch(`${hidden.url}${SANDBOX_SIM_PREFIX}/faults`, { headers: await as(['admin']) });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'route_not_found');
    assert.equal(upstream.received.length, before);
  });
});
