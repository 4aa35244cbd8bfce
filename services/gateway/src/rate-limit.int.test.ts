import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Problem } from '@strongbox/http';
import { Redis } from 'ioredis';
import { startFakeIdentity, startGateway } from './testing.ts';

const REDIS_URL = process.env['REDIS_URL'];

async function status(res: Response): Promise<number> {
  await res.arrayBuffer();
  return res.status;
}

describe('gateway rate limits (counted in memory)', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    identity = await startFakeIdentity();
    gateway = await startGateway({
      IDENTITY_URL: identity.url,
      RATE_LIMIT_USER_PER_MIN: '3',
      RATE_LIMIT_IP_PER_MIN: '2',
      RATE_LIMIT_BANK_NOTIFICATIONS_PER_MIN: '4',
      DEALS_URL: identity.url,
    });
  });
  after(async () => {
    await gateway.stop();
    await identity.stop();
  });

  const me = (token: string) =>
    fetch(`${gateway.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

  it('given a user over their limit, then they get 429 rate_limited with Retry-After, and another user does not', async () => {
    const alice = await identity.sign({ sub: 'usr_alice' });
    const bob = await identity.sign({ sub: 'usr_bob' });
    for (let i = 0; i < 3; i++) assert.equal(await status(await me(alice)), 200, `request ${i + 1}`);
    const limited = await me(alice);
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(((await limited.json()) as Problem).code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(await status(await me(bob)), 200, "one user's limit is not another's");
  });

  it('given a new token of the same user, then it shares the limit: the user is counted, not the token', async () => {
    const again = await identity.sign({ sub: 'usr_alice', jti: 'another-token' });
    assert.equal(await status(await me(again)), 429);
  });

  it('given anonymous calls to public routes, then they are limited per address', async () => {
    const login = () =>
      fetch(`${gateway.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    assert.equal(await status(await login()), 200);
    assert.equal(await status(await login()), 200);
    assert.equal(await status(await login()), 429);
  });

  it("given the bank's notifications from one address, then they have a budget of their own, apart from the logins'", async () => {
    // The stand-in plays deals here and has no such route: what passes the limit is its 404, what does
    // not is the gateway's 429 before any upstream is tried. The logins' budget (two) is spent already.
    const notify = () =>
      fetch(`${gateway.url}/v1/bank/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await status(await notify()));
    assert.equal(statuses.filter((s) => s === 429).length, 1, `one refused in ${statuses.join(', ')}`);
    assert.equal(statuses[4], 429, 'the fifth is over the budget of four');
  });

  it("given the operators' paths, then they are never limited", async () => {
    for (let i = 0; i < 6; i++) assert.equal(await status(await fetch(`${gateway.url}/health`)), 200);
  });
});

describe('gateway rate limits behind a trusted load balancer', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];

  before(async () => {
    identity = await startFakeIdentity();
  });
  after(async () => {
    for (const g of gateways) await g.stop();
    await identity.stop();
  });

  const logins = async (gateway: (typeof gateways)[number], forwardedFor: string, n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${gateway.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: '{}',
      });
      statuses.push(await status(res));
    }
    return statuses;
  };

  it('given the balancer is trusted, then each caller it reports is counted apart, and upstreams see that caller', async () => {
    const gateway = await startGateway({
      IDENTITY_URL: identity.url,
      RATE_LIMIT_IP_PER_MIN: '2',
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1',
    });
    gateways.push(gateway);
    assert.deepEqual(await logins(gateway, '203.0.113.7', 3), [200, 200, 429]);
    assert.deepEqual(await logins(gateway, '203.0.113.8', 2), [200, 200], 'another caller, its own limit');
    assert.equal(identity.received.at(-1)?.headers['x-forwarded-for'], '203.0.113.8');
  });

  it('given no trusted balancer, then a caller cannot escape its limit by claiming another address', async () => {
    const gateway = await startGateway({ IDENTITY_URL: identity.url, RATE_LIMIT_IP_PER_MIN: '2' });
    gateways.push(gateway);
    assert.deepEqual(await logins(gateway, '203.0.113.9', 2), [200, 200]);
    assert.deepEqual(await logins(gateway, '198.51.100.1', 1), [429]);
    assert.equal(identity.received.at(-1)?.headers['x-forwarded-for'], '127.0.0.1');
  });
});

describe('gateway limits on refused tokens', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    identity = await startFakeIdentity();
    gateway = await startGateway({
      IDENTITY_URL: identity.url,
      RATE_LIMIT_INVALID_TOKEN_PER_MIN: '3',
      GATEWAY_TRUSTED_PROXIES: '127.0.0.1',
    });
  });
  after(async () => {
    await gateway.stop();
    await identity.stop();
  });

  const me = (token: string, from: string) =>
    fetch(`${gateway.url}/v1/me`, {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': from },
    });

  it('given an address past its budget of refused tokens, then its unchecked tokens get 429 and other addresses do not', async () => {
    const verified = await identity.sign({ sub: 'usr_carol' });
    assert.equal(await status(await me(verified, '203.0.113.20')), 200);
    const forged = `${verified.slice(0, -4)}AAAA`;
    for (let i = 0; i < 3; i++)
      assert.equal(await status(await me(forged, '203.0.113.20')), 401, `guess ${i + 1}`);
    const limited = await me(forged, '203.0.113.20');
    assert.equal(limited.status, 429, 'refused without a signature check');
    assert.equal(((await limited.json()) as Problem).code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(await status(await me('not-a-jwt', '203.0.113.20')), 429);
    assert.equal(
      await status(await me(verified, '203.0.113.20')),
      200,
      'a token verified before still passes',
    );
    assert.equal(await status(await me(forged, '203.0.113.21')), 401, 'another address has its own budget');
  });
});

describe('gateway rate limits shared through Redis', {
  skip: REDIS_URL ? false : 'REDIS_URL is not set',
}, () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];
  const clients: Redis[] = [];

  before(async () => {
    identity = await startFakeIdentity();
    // Two instances of one deployment: the same namespace, each with its own connection.
    const env = {
      IDENTITY_URL: identity.url,
      RATE_LIMIT_USER_PER_MIN: '4',
      RATE_LIMIT_NAMESPACE: `test-rate-${randomBytes(4).toString('hex')}-`,
    };
    for (let i = 0; i < 2; i++) {
      const redis = new Redis(REDIS_URL as string, { maxRetriesPerRequest: 1 });
      clients.push(redis);
      gateways.push(await startGateway(env, { redis }));
    }
  });
  after(async () => {
    for (const g of gateways) await g.stop();
    for (const c of clients) await c.quit();
    await identity.stop();
  });

  it('given two gateway instances, then a user is counted across both', async () => {
    const token = await identity.sign({ sub: `usr_${randomBytes(4).toString('hex')}` });
    const me = (g: (typeof gateways)[number]) =>
      fetch(`${g.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    const [first, second] = gateways as [(typeof gateways)[number], (typeof gateways)[number]];
    assert.equal(await status(await me(first)), 200);
    assert.equal(await status(await me(second)), 200);
    assert.equal(await status(await me(first)), 200);
    assert.equal(await status(await me(second)), 200);
    assert.equal(await status(await me(first)), 429, 'the fifth request, whichever instance takes it');
    assert.equal(await status(await me(second)), 429);
  });
});
