/**
 * Bad input never answers 500: what PostgreSQL refuses (NUL, lone surrogates, integers past bigint,
 * instants it cannot read) is a 400 problem at the edge, on real routes against a real database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostileUrlText, spoiledBody } from '@strongbox/http/testing-input';
import fc from 'fast-check';
import { type Answer, type Caller, type Harness, openAccount, startBalance } from './test-support.ts';

let h: Harness;
let service: Caller;
let alice: Caller;
let account: string;
let funding: string;

before(async () => {
  h = await startBalance();
  service = await h.caller('cli_orders', ['service']);
  alice = await h.caller('usr_alice', ['customer']);
  funding = await openAccount(service, 'cli_orders', { allowNegative: true });
  account = await openAccount(alice, 'usr_alice');
});
after(async () => {
  await h.close();
});

function assertFieldRefused(res: Answer, field: string): void {
  assert.equal(res.status, 400, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json();
  assert.equal(body.code, 'validation_failed');
  assert.ok(
    body.errors.some((e: { field: string }) => e.field === field),
    `no error names ${field}: ${res.body}`,
  );
}

const assertNo5xx = (res: Answer) => assert.ok(res.status < 500, `${res.status} ${res.body}`);

describe('bad input to balance', () => {
  it('given a lone surrogate in an account name, then the answer is 400 naming body/name and nothing is opened', async () => {
    const res = await alice.post('/v1/accounts', { currency: 'EUR', name: 'a\ud800b' });
    assertFieldRefused(res, 'body/name');
    const list = await alice.get('/v1/accounts');
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(
      list.json().data.map((a: { id: string }) => a.id),
      [account],
    );
  });

  it('given a leap second in balance-at, then the answer is 400 naming querystring/at', async () => {
    const res = await alice.get(`/v1/accounts/${account}/balance?at=2026-06-30T23:59:60Z`);
    assertFieldRefused(res, 'querystring/at');
  });

  it('given a year PostgreSQL has not (0000) or an offset it refuses in balance-at, then the answer is 400', async () => {
    for (const at of ['0000-06-30T12:00:00Z', '2026-06-30T12:00:00+20:00']) {
      const res = await alice.get(`/v1/accounts/${account}/balance?at=${encodeURIComponent(at)}`);
      assertFieldRefused(res, 'querystring/at');
    }
  });

  it('given a NUL in metadata or a transfer amount past bigint, then the answer is 400 naming the field', async () => {
    const open = await alice.post('/v1/accounts', { currency: 'EUR', metadata: { note: 'a\u0000' } });
    assertFieldRefused(open, 'body/metadata/note');
    const move = await service.post('/v1/transfers', {
      debitAccountId: funding,
      creditAccountId: account,
      amount: 2 ** 63,
      currency: 'EUR',
    });
    assertFieldRefused(move, 'body/amount');
  });

  it('given hostile values in any field of account and transfer bodies, then no answer is a 5xx', async () => {
    const accountBody = spoiledBody({ currency: 'EUR', name: 'n', metadata: { k: 'v' }, ownerId: 'usr_x' });
    const transferBody = spoiledBody({
      debitAccountId: funding,
      creditAccountId: account,
      amount: 1,
      currency: 'EUR',
      description: 'd',
      metadata: { k: 'v' },
    });
    await fc.assert(
      fc.asyncProperty(accountBody, transferBody, async (a, t) => {
        assertNo5xx(await service.post('/v1/accounts', a));
        assertNo5xx(await service.post('/v1/transfers', t));
      }),
      { numRuns: 60 },
    );
  });

  it('given hostile text in ids, query values and instants, then no answer is a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileUrlText, async (text) => {
        assertNo5xx(await alice.get(`/v1/accounts/${text}`));
        assertNo5xx(await alice.get(`/v1/transfers/${text}`));
        assertNo5xx(await alice.get(`/v1/accounts/${account}/balance?at=${text}`));
        assertNo5xx(await alice.get(`/v1/accounts?limit=${text}`));
        assertNo5xx(await service.post(`/v1/transfers/${text}/void`));
      }),
      { numRuns: 60 },
    );
  });
});
