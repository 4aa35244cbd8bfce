import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FORWARDED_SIGNATURE_HEADER, signForwardedFor } from '@strongbox/http';
import { FORWARDING_SECRET, type Harness, startIdentity } from '../../test-support.ts';

/**
 * The per-address login limits (ADR 0006) count the address identity believes: a caller reaching identity
 * directly cannot pick it with X-Forwarded-For; only the gateway's signed one is believed (ADR 0021).
 */
let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

let n = 0;
async function registered(password = 'correct horse battery') {
  n += 1;
  const email = `forwarded${n}-${Date.now()}@example.com`;
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, name: `User ${n}` },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { email, password };
}

const WRONG = 'wrong password here';
/** The gateway's address as identity sees it: the connection of every signed request. */
const GATEWAY = '10.8.0.2';

/** A login from `socket`, claiming to come from `forwardedFor`, signed with `secret` if one is given. */
const login = (email: string, password: string, socket: string, forwardedFor: string, secret?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    remoteAddress: socket,
    headers: {
      'x-forwarded-for': forwardedFor,
      ...(secret ? { [FORWARDED_SIGNATURE_HEADER]: signForwardedFor(secret, forwardedFor) } : {}),
    },
  });

describe('the address the login limits count', () => {
  it('given a direct caller claiming a new X-Forwarded-For on every guess, then its own address is still limited', async () => {
    const { email, password } = await registered();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await login(email, WRONG, '10.7.0.1', `198.51.100.${i}`)).statusCode);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    assert.ok(
      statuses.slice(3).every((s) => s === 429),
      String(statuses),
    );
    const blocked = await login(email, password, '10.7.0.1', '198.51.100.200');
    assert.equal(blocked.statusCode, 429, 'even the right password waits: the pair is the socket address');
  });

  it('given a direct caller spraying accounts under ever new X-Forwarded-For, then the address limit holds', async () => {
    const socket = '10.7.1.1';
    for (let i = 0; i < 30; i++) {
      const res = await login(`spray${i}-${Date.now()}@example.com`, WRONG, socket, `192.0.2.${i}`);
      assert.equal(res.statusCode, 401);
    }
    const { email, password } = await registered();
    const next = await login(email, password, socket, '192.0.2.250');
    assert.equal(next.statusCode, 429);
    assert.equal(next.headers['retry-after'], '1');
  });

  it('given a signature under another secret, then the forwarded address is not believed either', async () => {
    const { email } = await registered();
    const forger = 'a-guessed-forwarding-secret-of-enough-length';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await login(email, WRONG, '10.7.2.1', `203.0.113.${i}`, forger)).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  });

  it('given the gateway signature, then each caller behind the gateway is limited apart', async () => {
    const { email, password } = await registered();
    for (let i = 0; i < 3; i++)
      assert.equal((await login(email, WRONG, GATEWAY, '203.0.113.50', FORWARDING_SECRET)).statusCode, 401);
    const guesser = await login(email, WRONG, GATEWAY, '203.0.113.50', FORWARDING_SECRET);
    assert.equal(guesser.statusCode, 429, 'the guessing caller waits');
    const owner = await login(email, password, GATEWAY, '203.0.113.51', FORWARDING_SECRET);
    assert.equal(owner.statusCode, 200, 'another caller through the same gateway does not');
  });
});
