import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Difference } from '../../domain/reconciliation.ts';
import { type Harness, startDeals } from '../../test-support.ts';
import { reconciliationStore } from '../../wiring.ts';

let h: Harness;

const difference = (i: number): Difference => ({
  kind: 'escrow_balance',
  subject: `deal_${i}`,
  dealId: `deal_${i}`,
  ours: { amount: BigInt(i) },
  bank: { amount: 0n },
  detail: `escrow ${i}`,
});

before(async () => {
  h = await startDeals();
  const store = reconciliationStore(h.pool, h.clock);
  for (const i of [1, 2, 3]) {
    h.clock.advance(1_000);
    await store.settle(`deal_${i}`, { record: [difference(i)], seen: [], close: [] }, h.clock.now());
  }
  // The first one's difference went away.
  const [first] = await store.openFindings('deal_1');
  await store.settle('deal_1', { record: [], seen: [], close: [first!.seq] }, h.clock.now());
});
after(async () => {
  await h?.close();
});

const list = (query: string, roles = ['operator']) =>
  h.as('usr_staff', roles, { method: 'GET', url: `/v1/admin/reconciliation${query}` });

describe('GET /v1/admin/reconciliation', () => {
  it('given staff, then the findings newest first, in pages, open or resolved', async () => {
    const first = await list('?limit=2');
    assert.equal(first.statusCode, 200, first.body);
    const rest = (await list(`?limit=2&cursor=${first.json().nextCursor}`)).json();
    assert.deepEqual(
      [...first.json().data, ...rest.data].map((f: { subject: string }) => f.subject),
      ['deal_3', 'deal_2', 'deal_1'],
    );
    assert.equal(rest.nextCursor, null);
    const [newest] = first.json().data;
    assert.deepEqual(
      [newest.kind, newest.ours, newest.bank, newest.status, newest.resolvedAt],
      ['escrow_balance', { amount: 3 }, { amount: 0 }, 'open', null],
    );
    assert.match(newest.id, /^rcf_\d+$/);
    const open = (await list('?status=open', ['admin'])).json();
    assert.deepEqual(
      open.data.map((f: { subject: string }) => f.subject),
      ['deal_3', 'deal_2'],
    );
    const resolved = (await list('?status=resolved')).json();
    assert.deepEqual(
      resolved.data.map((f: { subject: string; status: string }) => [f.subject, f.status]),
      [['deal_1', 'resolved']],
    );
  });

  it('refuses an agent or a customer with 403, and a forged cursor or an unknown filter with 400', async () => {
    assert.equal((await list('', ['agent'])).statusCode, 403);
    assert.equal((await list('', ['customer'])).statusCode, 403);
    const forged = await list(`?cursor=${Buffer.from('x').toString('base64url')}`);
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'invalid_cursor']);
    assert.equal((await list('?status=closed')).statusCode, 400);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(doc.statusCode, 200);
    assert.ok(doc.json().paths['/v1/admin/reconciliation']?.get);
  });
});
