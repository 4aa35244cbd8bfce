import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startIdentity } from '../../test-support.ts';

/** Login throttling against real PostgreSQL, on the harness's ManualClock (ADR 0006). */
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
  const email = `throttled${n}-${Date.now()}@example.com`;
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, name: `User ${n}` },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { email, password };
}

const login = (email: string, password: string, ip: string) =>
  h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress: ip });

const WRONG = 'wrong password here';

describe('login throttling', () => {
  it('given many wrong passwords from one address, then the owner still logs in from another at once', async () => {
    const { email, password } = await registered();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(email, WRONG, '10.1.0.1')).statusCode);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    assert.ok(
      statuses.slice(3).every((s) => s === 429),
      String(statuses),
    );
    assert.equal((await login(email, password, '10.1.1.1')).statusCode, 200, 'no lockout of the owner');
  });

  it('given a pair past its free failures, then delays double, refused attempts do not extend them, and waiting is enough', async () => {
    const { email, password } = await registered();
    const ip = '10.1.2.1';
    for (let i = 0; i < 3; i++) assert.equal((await login(email, WRONG, ip)).statusCode, 401);
    for (const waitS of [1, 2, 4, 8]) {
      const blocked = await login(email, password, ip);
      assert.equal(blocked.statusCode, 429, 'even the right password waits');
      assert.equal(blocked.json().code, 'too_many_attempts');
      assert.equal(blocked.headers['retry-after'], String(waitS));
      // Hammering while refused changes nothing: these are not failures.
      for (let i = 0; i < 5; i++) assert.equal((await login(email, WRONG, ip)).statusCode, 429);
      h.clock.advance(waitS * 1000);
      assert.equal((await login(email, WRONG, ip)).statusCode, 401, `after ${waitS} s the guess is checked`);
    }
    h.clock.advance(16_000);
    assert.equal((await login(email, password, ip)).statusCode, 200);
    assert.equal((await login(email, WRONG, ip)).statusCode, 401, 'a success forgives the pair');
  });

  it('caps the pair delay at 15 minutes', async () => {
    const { email } = await registered();
    const ip = '10.1.3.1';
    const waits: number[] = [];
    for (let i = 0; i < 40 && waits.at(-1) !== 900; i++) {
      const res = await login(email, WRONG, ip);
      if (res.statusCode !== 429) continue;
      waits.push(Number(res.headers['retry-after']));
      h.clock.advance((waits.at(-1) as number) * 1000);
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
    assert.equal((await login(email, WRONG, ip)).statusCode, 401);
    const next = await login(email, WRONG, ip);
    assert.equal(next.headers['retry-after'], '900', 'the cap holds');
  });

  it('lets at most the free failures of a burst of parallel guesses from one address reach the password check', async () => {
    const { email } = await registered();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(email, `parallel guess ${i}`, '10.3.0.1')),
    );
    const checked = results.filter((r) => r.statusCode === 401).length;
    const blocked = results.filter((r) => r.statusCode === 429).length;
    assert.ok(checked <= 3, `${checked} guesses were checked`);
    assert.equal(checked + blocked, 20);
  });

  it('given 100 failures of one account from many addresses, then it waits, and not past the window', async () => {
    const { email, password } = await registered();
    for (let i = 0; i < 100; i++)
      assert.equal((await login(email, WRONG, `10.4.${Math.floor(i / 3)}.${i % 3}`)).statusCode, 401);
    const blocked = await login(email, password, '10.4.200.1');
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.headers['retry-after'], '60');
    h.clock.advance(61 * 60_000);
    assert.equal((await login(email, password, '10.4.200.1')).statusCode, 200, 'the window slides');
  });

  it('given an address spraying accounts, then another user on it waits seconds, not minutes', async () => {
    const ip = '10.2.0.9';
    for (let i = 0; i < 30; i++)
      assert.equal((await login(`spray${i}-${Date.now()}@example.com`, WRONG, ip)).statusCode, 401);
    const { email, password } = await registered();
    const shared = await login(email, password, ip);
    assert.equal(shared.statusCode, 429);
    assert.equal(shared.headers['retry-after'], '1');
    assert.equal(
      (await login(email, password, '10.2.0.10')).statusCode,
      200,
      'other addresses are not slowed',
    );
    h.clock.advance(1_000);
    assert.equal((await login(email, password, ip)).statusCode, 200);
  });
});
