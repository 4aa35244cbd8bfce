import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dealBody, type Harness, IdentityUnavailable, startDeals } from '../../test-support.ts';

/** Identity as deals sees it: who has which email, or down. */
const USERS = new Map([['payer@example.com', 'usr_payer_by_email']]);
let identityDown = false;
const asked: string[] = [];

let h: Harness;
let rcp: string;

before(async () => {
  h = await startDeals({
    identity: {
      async userIdByEmail(email, traceId) {
        asked.push(traceId);
        if (identityDown) {
          throw new IdentityUnavailable('identity is down');
        }
        return USERS.get(email);
      },
    },
  });
  rcp = await h.recipient('usr_agent');
});
after(async () => {
  await h?.close();
});

const byEmail = (payerEmail: string, extra: Record<string, unknown> = {}) => {
  const { payerId: _, ...body } = dealBody('unused', [[rcp, 10_000]]);
  return h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: { ...body, payerEmail, ...extra },
    headers: { 'x-trace-id': 'trace-payer-email' },
  });
};

describe('POST /v1/deals naming the payer by email', () => {
  it('given a registered email, then identity is asked (with the trace id) and the deal names that user', async () => {
    const res = await byEmail('payer@example.com');
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().payerId, 'usr_payer_by_email');
    assert.equal(asked.at(-1), 'trace-payer-email');
  });

  it('refuses an unknown email (422), both or neither of payerId and payerEmail (400), identity down (503)', async () => {
    const unknown = await byEmail('nobody@example.com');
    assert.deepEqual([unknown.statusCode, unknown.json().code], [422, 'payer_not_found']);
    const both = await byEmail('payer@example.com', { payerId: 'usr_x' });
    assert.deepEqual([both.statusCode, both.json().code], [400, 'payer_required']);
    const { payerId: _, ...neither } = dealBody('unused', [[rcp, 10_000]]);
    const none = await h.as('usr_agent', ['agent'], { method: 'POST', url: '/v1/deals', payload: neither });
    assert.deepEqual([none.statusCode, none.json().code], [400, 'payer_required']);
    identityDown = true;
    const down = await byEmail('payer@example.com');
    identityDown = false;
    assert.deepEqual(
      [down.statusCode, down.json().code, down.headers['retry-after']],
      [503, 'identity_unavailable', '1'],
    );
  });
});
