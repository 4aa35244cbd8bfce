/** GET /v1/transfers: an account’s transfers on both sides, newest first. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Caller,
  fundedAccount,
  type Harness,
  openAccount,
  startFunded,
  transfer,
} from '../../test-support.ts';

let h: Harness;
let service: Caller;
let funding: string;

before(async () => {
  ({ h, service, funding } = await startFunded());
});
after(async () => {
  await h.close();
});

const funded = (owner: string, amount: number) => fundedAccount(service, funding, owner, amount);

describe('listing transfers', () => {
  it('lists an account’s transfers on both sides, newest first', async () => {
    const from = await funded('usr_erin', 100);
    const to = await openAccount(service, 'usr_frank');
    h.clock.advance(1);
    await transfer(service, from, to, 10);
    h.clock.advance(1);
    await transfer(service, to, from, 5);
    const erin = await h.caller('usr_erin', ['customer']);
    const list = (await erin.get(`/v1/transfers?accountId=${from}`)).json();
    assert.deepEqual(
      list.data.map((t: { amount: number }) => t.amount),
      [5, 10, 100],
    );
    const mine = (await erin.get('/v1/transfers?limit=2')).json();
    assert.equal(mine.data.length, 2);
    const rest = (await erin.get(`/v1/transfers?limit=2&cursor=${mine.nextCursor}`)).json();
    assert.equal(rest.data.length, 1);
  });
});
