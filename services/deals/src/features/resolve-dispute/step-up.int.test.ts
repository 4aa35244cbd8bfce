/** Resolving a dispute moves held money on one staff decision: it needs a fresh TOTP code (ADR 0026). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let dealId: string;
let disputeId: string;
before(async () => {
  h = await startDeals({ staffTotpRequired: true });
  const rcp = await h.recipient('usr_agent');
  const deal = await h.draft('usr_agent', 'usr_payer', rcp);
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
  await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: `bank_${deal.id}` });
  await h.bank(deal.id, { kind: 'fund', incomingTransactionId: `in_${deal.id}`, amount: 100_000n });
  const opened = await h.as('usr_payer', ['customer'], {
    method: 'POST',
    url: `/v1/deals/${deal.id}/disputes`,
    payload: { reason: 'No keys' },
  });
  assert.equal(opened.statusCode, 201, opened.body);
  dealId = deal.id;
  disputeId = opened.json().dispute.id;
});
after(async () => {
  await h?.close();
});

const nowS = () => Math.floor(Date.now() / 1000);
const resolve = async (claims: Record<string, unknown>) =>
  h.as('usr_ops', ['operator'], {
    method: 'POST',
    url: `/v1/deals/${dealId}/disputes/${disputeId}/resolve`,
    payload: { outcome: 'release' },
    headers: { authorization: `Bearer ${await h.token('usr_ops', ['operator'], claims)}` },
  });

describe('POST /v1/deals/{id}/disputes/{disputeId}/resolve with the second-factor rules on', () => {
  it('given an operator without TOTP, then 403 totp_enrollment_required', async () => {
    const res = await resolve({});
    assert.deepEqual([res.statusCode, res.json().code], [403, 'totp_enrollment_required']);
  });

  it('given an enrolled operator without a fresh code, then 403 step_up_required and the dispute stays', async () => {
    for (const claims of [{ totp: true }, { totp: true, otp_at: nowS() - 6 * 60 }]) {
      const res = await resolve(claims);
      assert.deepEqual([res.statusCode, res.json().code], [403, 'step_up_required'], res.body);
    }
    const deal = await h.as('usr_payer', ['customer'], { method: 'GET', url: `/v1/deals/${dealId}` });
    assert.equal(deal.json().status, 'disputed');
  });

  it('given a code given a minute ago, then the dispute is resolved', async () => {
    const res = await resolve({ totp: true, otp_at: nowS() - 60 });
    assert.deepEqual([res.statusCode, res.json().status], [200, 'funded'], res.body);
  });
});
