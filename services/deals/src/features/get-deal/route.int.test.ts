import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBankClient } from '@strongbox/bank-client';
import { dealBody, type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let dealId: string;
let created: unknown;

before(async () => {
  h = await startDeals();
  const rcp = await h.recipient('usr_agent');
  const res = await h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: dealBody('usr_payer', [[rcp, 10_000]]),
  });
  assert.equal(res.statusCode, 201, res.body);
  dealId = res.json().id;
  created = res.json();
});
after(async () => {
  await h?.close();
});

const get = (sub: string, roles: string[], id = dealId) =>
  h.as(sub, roles, { method: 'GET', url: `/v1/deals/${id}` });

describe('GET /v1/deals/{id}', () => {
  it('given a party or staff, then the deal is shown with its version as ETag', async () => {
    for (const [sub, roles] of [
      ['usr_agent', ['agent']],
      ['usr_payer', ['customer']],
      ['usr_ops', ['operator']],
      ['usr_admin', ['admin']],
    ] as const) {
      const res = await get(sub, [...roles]);
      assert.equal(res.statusCode, 200, `${sub}: ${res.body}`);
      assert.deepEqual([res.json().id, res.headers.etag], [dealId, '"1"']);
      assert.deepEqual(res.json(), created, 'the read model shows the deal as the command answered it');
    }
  });

  it("given another user, even another agent, then another party's deal is 404, like one that does not exist", async () => {
    const other = await get('usr_other', ['agent']);
    const missing = await get('usr_agent', ['agent'], 'deal_01936c2e-7b1a-7cc2-9a43-52b2f0c7a1de');
    assert.deepEqual([other.statusCode, other.json().code], [404, 'deal_not_found']);
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 'deal_not_found']);
  });

  it('refuses a request without a token, and an id of the wrong shape', async () => {
    const anonymous = await h.app.inject({ method: 'GET', url: `/v1/deals/${dealId}` });
    assert.equal(anonymous.statusCode, 401);
    const bad = await get('usr_agent', ['agent'], 'not%20an%20id');
    assert.deepEqual([bad.statusCode, bad.json().code], [400, 'validation_failed']);
  });
});

describe('GET /v1/deals/{id} while the bank waits for the payer', () => {
  let b: Harness;
  before(async () => {
    b = await startDeals({
      bank: {
        // Never called here: the deal is moved to awaiting payment by the system command below.
        client: createBankClient({ baseUrl: 'http://127.0.0.1:9', token: 'unused' }),
        nominalAccount: '40702810500000000001',
        payee: { bik: '044525974', bankName: 'Bank', payeeName: 'Marketplace', payeeInn: '7707083893' },
        tasksPollMs: 60_000,
        jobsSchedule: '0 0 1 1 *',
      },
    });
  });
  after(async () => {
    await b?.close();
  });

  it('given a deal awaiting payment, then its parties see where to pay, what and with which purpose', async () => {
    const rcp = await b.recipient('usr_agent');
    const draft = await b.draft('usr_agent', 'usr_payer', rcp);
    const shown = async () =>
      (await b.as('usr_payer', ['customer'], { method: 'GET', url: `/v1/deals/${draft.id}` })).json();
    assert.equal((await shown()).payTo, undefined, 'a draft says nowhere to pay');
    await b.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${draft.id}/submit` });
    await b.bank(draft.id, { kind: 'registered_at_bank', bankDealId: `bank_${draft.id}` });
    const deal = await shown();
    assert.equal(deal.status, 'awaiting_payment');
    assert.deepEqual(deal.payTo, {
      accountNumber: '40702810500000000001',
      bik: '044525974',
      bankName: 'Bank',
      payeeName: 'Marketplace',
      payeeInn: '7707083893',
      amount: deal.amount,
      purpose: deal.paymentPurpose,
    });
    await b.bank(draft.id, {
      kind: 'fund',
      incomingTransactionId: `in_${draft.id}`,
      amount: BigInt(deal.amount),
    });
    assert.equal((await shown()).payTo, undefined, 'once funded, nothing more to pay');
  });
});
