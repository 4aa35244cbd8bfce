import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_SIM_PREFIX } from './config.ts';
import { closedPortUrl, startFakeIdentity, startGateway } from './testing.ts';

/** A stand-in for the bank sandbox: its /health names it, and anything else is echoed and recorded. */
async function startFakeSandbox(service = 'bank-sandbox') {
  const received: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/health') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'ok', service }));
        return;
      }
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the bank sandbox controls at the gateway', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let sandbox: Awaited<ReturnType<typeof startFakeSandbox>>;
  let notSandbox: Awaited<ReturnType<typeof startFakeSandbox>>;
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];
  const BANK_TOKEN = 'the-sandbox-token';
  const as = async (roles: string[]) => ({ authorization: `Bearer ${await identity.sign({ roles })}` });
  const gateway = async (env: Record<string, string>) => {
    const g = await startGateway({ IDENTITY_URL: identity.url, BANK_API_TOKEN: BANK_TOKEN, ...env });
    gateways.push(g);
    return g.url;
  };
  const exposedAt = (bankUrl: string) => gateway({ BANK_URL: bankUrl, GATEWAY_EXPOSE_BANK_SANDBOX: 'true' });

  before(async () => {
    identity = await startFakeIdentity();
    sandbox = await startFakeSandbox();
    notSandbox = await startFakeSandbox('some-bank');
  });
  after(async () => {
    for (const g of gateways) await g.stop();
    await sandbox.stop();
    await notSandbox.stop();
    await identity.stop();
  });

  it('forwards an admin to the sandbox /_sim/, with the bank token instead of the access token', async () => {
    const url = await exposedAt(sandbox.url);
    const res = await fetch(`${url}${SANDBOX_SIM_PREFIX}/faults`, {
      method: 'PUT',
      headers: { ...(await as(['admin'])), 'content-type': 'application/json' },
      body: '{"burst429":2}',
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"burst429":2}');
    const got = sandbox.received.at(-1);
    assert.equal(got?.method, 'PUT');
    assert.equal(got?.url, '/_sim/faults');
    assert.equal(got?.headers.authorization, `Bearer ${BANK_TOKEN}`);
    const clock = await fetch(`${url}${SANDBOX_SIM_PREFIX}/clock?x=1`, { headers: await as(['admin']) });
    assert.equal(clock.status, 200);
    await clock.body?.cancel();
    assert.equal(sandbox.received.at(-1)?.url, '/_sim/clock?x=1');
  });

  it('refuses a signed-in caller without the admin role (403) and an anonymous one (401)', async () => {
    const url = await exposedAt(sandbox.url);
    const before = sandbox.received.length;
    const customer = await fetch(`${url}${SANDBOX_SIM_PREFIX}/faults`, {
      headers: await as(['customer', 'operator']),
    });
    assert.equal(customer.status, 403);
    assert.equal(((await customer.json()) as { code: string }).code, 'forbidden');
    const anonymous = await fetch(`${url}${SANDBOX_SIM_PREFIX}/faults`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    assert.equal(sandbox.received.length, before, 'nothing reached the sandbox');
  });

  it('does not exist unless the sandbox is the configured bank: 404 even for an admin', async () => {
    const url = await gateway({ BANK_URL: sandbox.url });
    const before = sandbox.received.length;
    const res = await fetch(`${url}${SANDBOX_SIM_PREFIX}/faults`, { headers: await as(['admin']) });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'route_not_found');
    assert.equal(sandbox.received.length, before);
  });

  it('sends nothing when BANK_URL names something other than a bank sandbox, even with the flag on', async () => {
    const other = await exposedAt(notSandbox.url);
    const res = await fetch(`${other}${SANDBOX_SIM_PREFIX}/faults`, { headers: await as(['admin']) });
    assert.equal(res.status, 404);
    await res.body?.cancel();
    assert.equal(notSandbox.received.length, 0);
    const down = await exposedAt(await closedPortUrl());
    const unreachable = await fetch(`${down}${SANDBOX_SIM_PREFIX}/faults`, { headers: await as(['admin']) });
    assert.equal(unreachable.status, 503);
    assert.equal(((await unreachable.json()) as { code: string }).code, 'upstream_unavailable');
  });
});
