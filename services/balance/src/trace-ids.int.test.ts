import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Harness, startBalance } from './test-support.ts';

/** Transfers sent at once, so the group commit writes several requests' entries in one statement. */
const CONCURRENT_TRANSFERS = 8;

let h: Harness;
let token: string;

before(async () => {
  // A wait before each flush gathers the concurrent transfers into shared batches; the assertions hold
  // however they are split.
  h = await startBalance({ groupCommit: { batchWaitMs: 20 } });
  token = await h.keys.sign('cli_orders', ['service']);
});
after(async () => await h.close());

const traceIdOf = () => randomBytes(16).toString('hex');

/** A service's POST carrying a W3C traceparent, whose trace id is what the records must keep. */
async function post(url: string, traceId: string, body: object): Promise<{ id: string }> {
  const res = await h.balance.app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: `Bearer ${token}`,
      'idempotency-key': randomUUID(),
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
    payload: body,
  });
  assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
  return res.json();
}

const openAccount = (traceId: string, allowNegative = false) =>
  post('/v1/accounts', traceId, { ownerId: 'usr_trace', currency: 'EUR', allowNegative });

async function entryTraces(transferId: string): Promise<Array<string | null>> {
  const { rows } = await h.pool.query<{ trace_id: string | null }>(
    'select trace_id from entries where transfer_id = $1 order by direction',
    [transferId],
  );
  return rows.map((r) => r.trace_id);
}

describe('the trace id of the request on balance records', () => {
  it('given a traceparent, then the account row carries its trace id', async () => {
    const traceId = traceIdOf();
    const account = await openAccount(traceId);
    const { rows } = await h.pool.query('select trace_id from accounts where id = $1', [account.id]);
    assert.deepEqual(rows, [{ trace_id: traceId }]);
  });

  it('given concurrent transfers, each with its own trace, then both entries of each carry that transfer’s trace id', async () => {
    const funding = await openAccount(traceIdOf(), true);
    const shop = await openAccount(traceIdOf());
    const traces = Array.from({ length: CONCURRENT_TRANSFERS }, traceIdOf);
    const transfers = await Promise.all(
      traces.map((traceId) =>
        post('/v1/transfers', traceId, {
          debitAccountId: funding.id,
          creditAccountId: shop.id,
          amount: 100,
          currency: 'EUR',
        }),
      ),
    );
    for (const [i, t] of transfers.entries()) {
      assert.deepEqual(await entryTraces(t.id), [traces[i], traces[i]], `transfer ${i}`);
    }
  });

  it('given a pending transfer posted under another trace, then its entries carry the posting request’s trace id', async () => {
    const funding = await openAccount(traceIdOf(), true);
    const shop = await openAccount(traceIdOf());
    const held = await post('/v1/transfers', traceIdOf(), {
      debitAccountId: funding.id,
      creditAccountId: shop.id,
      amount: 250,
      currency: 'EUR',
      pending: true,
    });
    assert.deepEqual(await entryTraces(held.id), [], 'a hold moves no money yet');
    const postTrace = traceIdOf();
    await post(`/v1/transfers/${held.id}/post`, postTrace, {});
    assert.deepEqual(await entryTraces(held.id), [postTrace, postTrace]);
  });
});
