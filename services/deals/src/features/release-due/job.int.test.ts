import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

const HOUR_MS = 3_600_000;
let h: Harness;
let rcp: string;

before(async () => {
  h = await startDeals();
  rcp = await h.recipient('usr_agent');
});
after(async () => {
  await h?.close();
});

/** A funded deal of two milestones: one held for 24 hours after funding, one released on a date. */
async function fundedTimedDeal(onDate: Date): Promise<string> {
  const share = [{ recipientId: rcp, share: { percentBp: 10_000 } }];
  const created = await h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: {
      title: 'Flat with a hold',
      payerId: 'usr_payer',
      milestones: [
        { title: 'Hold', amount: 60_000, release: { kind: 'hold_hours', hours: 24 }, recipients: share },
        {
          title: 'Date',
          amount: 40_000,
          release: { kind: 'on_date', at: onDate.toISOString() },
          recipients: share,
        },
      ],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/submit` });
  await h.bank(id, { kind: 'registered_at_bank', bankDealId: `bank_${id}` });
  await h.bank(id, { kind: 'fund', incomingTransactionId: `in_${id}`, amount: 100_000n });
  return id;
}

const statuses = async (id: string) =>
  (await h.as('usr_payer', ['customer'], { method: 'GET', url: `/v1/deals/${id}` }))
    .json()
    .milestones.map((m: { status: string }) => m.status);

describe('the release job', () => {
  it('given a hold and a date, then each milestone is released when it falls due, once', async () => {
    const start = h.clock.now().getTime();
    const id = await fundedTimedDeal(new Date(start + 48 * HOUR_MS));
    assert.equal(await h.releaseOnce(), 0, 'nothing is due at funding');
    assert.deepEqual(await statuses(id), ['pending', 'pending']);
    h.clock.advance(24 * HOUR_MS);
    assert.equal(await h.releaseOnce(), 1);
    assert.deepEqual(await statuses(id), ['released', 'pending']);
    assert.equal(await h.releaseOnce(), 0, 'a second run releases nothing again');
    h.clock.advance(24 * HOUR_MS);
    assert.equal(await h.releaseOnce(), 1);
    assert.deepEqual(await statuses(id), ['released', 'released']);
    const events = await h.as('usr_payer', ['customer'], { method: 'GET', url: `/v1/deals/${id}/events` });
    const releases = events.json().data.filter((e: { type: string }) => e.type === 'deal.milestone_released');
    assert.equal(releases.length, 2, 'one release event per milestone');
  });

  it('given a disputed deal whose hold is over, then nothing is released until the dispute is resolved', async () => {
    const id = await fundedTimedDeal(new Date(h.clock.now().getTime() + 48 * HOUR_MS));
    const opened = await h.as('usr_payer', ['customer'], {
      method: 'POST',
      url: `/v1/deals/${id}/disputes`,
      payload: { reason: 'The flat is not as described' },
    });
    assert.equal(opened.statusCode, 201, opened.body);
    h.clock.advance(25 * HOUR_MS);
    assert.equal(await h.releaseOnce(), 0);
    assert.deepEqual(await statuses(id), ['pending', 'pending']);
    const resolved = await h.as('usr_ops', ['operator'], {
      method: 'POST',
      url: `/v1/deals/${id}/disputes/${opened.json().dispute.id}/resolve`,
      payload: { outcome: 'release' },
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    assert.deepEqual(await statuses(id), ['released', 'pending'], 'the resolution releases what is due');
  });
});
