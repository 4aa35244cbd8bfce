import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requestRaw } from '@strongbox/http/testing';
import { type Caller, type Harness, openAccount, startBalance, transfer } from '../test-support.ts';

/** The shared HTTP edge as balance's lists and keyed POSTs meet it: cursors and the Idempotency-Key. */
let h: Harness;
let service: Caller;
let alice: Caller;
let from: string;
let to: string;

/** base64url of "9999999999999999999": a version beyond PostgreSQL's bigint (the attack run's cursor). */
const BEYOND_BIGINT = 'OTk5OTk5OTk5OTk5OTk5OTk5OQ';
/** Not base64url, padded, stray bits, not UTF-8, and "acc_%" (no id has a %). */
const MALFORMED = ['!!', 'NDI=', 'NDJ', '_w', 'YWNjXyU'];
/** Entries page by version: also a number beyond bigint and "-1". */
const MALFORMED_VERSIONS = [BEYOND_BIGINT, 'LTE', ...MALFORMED];

before(async () => {
  h = await startBalance();
  service = await h.caller('cli_orders', ['service']);
  alice = await h.caller('usr_alice', ['customer']);
  from = await openAccount(service, 'usr_alice', { allowNegative: true });
  to = await openAccount(service, 'usr_bob');
  for (let i = 0; i < 3; i++) assert.equal((await transfer(service, from, to, 1)).status, 201);
});
after(async () => {
  await h?.close();
});

describe('list cursors', () => {
  const lists = [
    { path: '/v1/accounts/{from}/entries', cursors: MALFORMED_VERSIONS },
    { path: '/v1/accounts', cursors: MALFORMED },
    { path: '/v1/transfers', cursors: MALFORMED },
  ];
  for (const { path, cursors } of lists) {
    it(`given a malformed cursor on ${path}, then it is a 400 invalid_cursor problem`, async () => {
      for (const cursor of cursors) {
        const res = await alice.get(`${path.replace('{from}', from)}?cursor=${cursor}`);
        assert.equal(res.status, 400, `${cursor}: ${res.body}`);
        assert.equal(res.json().code, 'invalid_cursor', cursor);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      }
    });
  }

  it('given the largest bigint version as a cursor, then the entries list answers a page', async () => {
    const top = Buffer.from('9223372036854775807').toString('base64url');
    const res = await alice.get(`/v1/accounts/${from}/entries?cursor=${top}&limit=2`);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json().data.length, 2);
    const next = await alice.get(`/v1/accounts/${from}/entries?cursor=${res.json().nextCursor}`);
    assert.equal(next.json().data.length, 1);
  });
});

describe('Idempotency-Key over real HTTP', () => {
  it('given the header twice, then a transfer is refused with 400 idempotency_key_repeated and moves nothing', async () => {
    await h.balance.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.balance.app.server.address() as AddressInfo;
    const token = await h.keys.sign('cli_orders', ['service']);
    const body = JSON.stringify({ debitAccountId: from, creditAccountId: to, amount: 5, currency: 'EUR' });
    const answer = await requestRaw(`http://127.0.0.1:${port}/v1/transfers`, {
      method: 'POST',
      // An array is sent as two header lines; Node's server joins them into "k-1, k-2".
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': ['k-1', 'k-2'],
      },
      body,
    });
    assert.deepEqual([answer.status, JSON.parse(answer.text).code], [400, 'idempotency_key_repeated']);
    const transfers = (await service.get(`/v1/transfers?accountId=${from}&limit=100`)).json();
    assert.equal(transfers.data.length, 3);
    const keys = await h.pool.query('select key from idempotency_keys where key like $1', ['k-%']);
    assert.equal(keys.rowCount, 0);
  });
});
