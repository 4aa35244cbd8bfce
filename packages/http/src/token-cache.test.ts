import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from './auth.ts';
import { cachingVerifier, TOKEN_CACHE_TTL_MAX_MS } from './token-cache.ts';

const principal: Principal = { sub: 'usr_1', roles: ['customer'], kind: 'user', tokenId: 'j1' };
const token = (expS: number) =>
  ['e30', Buffer.from(JSON.stringify({ exp: expS })).toString('base64url'), 'sig'].join('.');

describe('cachingVerifier', () => {
  it('given a verified token, then it is not verified again until it expires or a minute passes', async () => {
    let calls = 0;
    let now = 1_000_000;
    const v = cachingVerifier(
      {
        async verify() {
          calls += 1;
          return principal;
        },
      },
      () => now,
    );
    const t = token(now / 1000 + 3_600);
    assert.equal(await v.verify(t), principal);
    assert.equal(await v.verify(t), principal);
    assert.equal(calls, 1);
    now += TOKEN_CACHE_TTL_MAX_MS;
    await v.verify(t);
    assert.equal(calls, 2);
    const short = token(now / 1000 + 1);
    await v.verify(short);
    now += 1_000;
    await v.verify(short);
    assert.equal(calls, 4);
  });

  it('given a token the inner verifier refuses, then it is refused every time', async () => {
    let calls = 0;
    const v = cachingVerifier({
      async verify() {
        calls += 1;
        throw new Error('invalid_token');
      },
    });
    const t = token(Date.now() / 1000 + 60);
    await assert.rejects(v.verify(t));
    await assert.rejects(v.verify(t));
    assert.equal(calls, 2);
  });
});

describe('cachingVerifier.known', () => {
  it('given a token verified and not yet due, then it is known at once; before and after, it is not', async () => {
    let now = 1_000_000;
    const v = cachingVerifier({ verify: async () => principal }, () => now);
    const t = token(now / 1000 + 3_600);
    assert.equal(v.known(t), undefined, 'never verified');
    await v.verify(t);
    assert.equal(v.known(t), principal);
    now += TOKEN_CACHE_TTL_MAX_MS;
    assert.equal(v.known(t), undefined, 'due for another check');
  });
});
