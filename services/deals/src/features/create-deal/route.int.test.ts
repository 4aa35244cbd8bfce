import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requestRaw } from '@strongbox/http/testing';
import { dealBody, type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let agentRcp: string;
let agencyRcp: string;
const AGENT = ['agent'];

before(async () => {
  h = await startDeals();
  agentRcp = await h.recipient('usr_agent');
  agencyRcp = await h.recipient('usr_agency');
});
after(async () => {
  await h?.close();
});

const create = (payload: unknown, headers: Record<string, string> = {}, sub = 'usr_agent') =>
  h.as(sub, AGENT, { method: 'POST', url: '/v1/deals', payload, headers });

describe('POST /v1/deals', () => {
  it('given an agent, then the deal is a draft with its split computed, its amount the milestones sum', async () => {
    const res = await create(
      dealBody('usr_payer', [
        [agentRcp, 7000],
        [agencyRcp, 3000],
      ]),
    );
    assert.equal(res.statusCode, 201, res.body);
    const deal = res.json();
    assert.match(deal.id, /^deal_/);
    assert.deepEqual(
      [deal.status, deal.amount, deal.currency, deal.createdBy, deal.payerId, deal.version],
      ['draft', 100_000, 'RUB', 'usr_agent', 'usr_payer', 1],
    );
    assert.deepEqual(
      deal.milestones[0].payouts.map((p: { recipientId: string; amount: number }) => [
        p.recipientId,
        p.amount,
      ]),
      [
        [agentRcp, 70_000],
        [agencyRcp, 30_000],
      ],
    );
    const { rows } = await h.pool.query('select type from events where stream_id = $1', [deal.id]);
    assert.deepEqual(
      rows.map((r) => r.type),
      ['deal.created'],
    );
  });

  it('given the same Idempotency-Key, then the first answer is replayed; with another body it is refused', async () => {
    const body = dealBody('usr_payer', [[agentRcp, 10_000]]);
    const first = await create(body, { 'idempotency-key': 'create-1' });
    const again = await create(body, { 'idempotency-key': 'create-1' });
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual([again.statusCode, again.body], [201, first.body]);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const other = await create({ ...body, title: 'Another' }, { 'idempotency-key': 'create-1' });
    assert.deepEqual([other.statusCode, other.json().code], [422, 'idempotency_key_reused']);
  });

  it('given concurrent duplicates under one key, then one deal is created', async () => {
    const body = dealBody('usr_payer2', [[agentRcp, 10_000]]);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => create(body, { 'idempotency-key': 'create-race' })),
    );
    assert.ok(answers.every((a) => a.statusCode === 201));
    assert.equal(new Set(answers.map((a) => a.json().id)).size, 1);
    const { rows } = await h.pool.query(
      "select count(*)::int as n from deal_views where payer_id = 'usr_payer2'",
    );
    assert.equal(rows[0].n, 1);
  });

  it('refuses a caller without the agent role, and impossible terms each with its own code', async () => {
    const ok = dealBody('usr_payer', [[agentRcp, 10_000]]);
    const customer = await h.as('usr_c', ['customer'], { method: 'POST', url: '/v1/deals', payload: ok });
    assert.deepEqual([customer.statusCode, customer.json().code], [403, 'forbidden']);
    const cases: Array<[unknown, number, string]> = [
      [dealBody('usr_payer', [[agentRcp, 9_000]]), 422, 'split_percent_not_100'],
      [dealBody('usr_payer', [['rcp_nobody', 10_000]]), 422, 'recipient_not_found'],
      [dealBody('usr_agency', [[agencyRcp, 10_000]]), 422, 'deal_payer_is_recipient'],
      [dealBody('usr_agent', [[agencyRcp, 10_000]]), 422, 'deal_payer_is_recipient'],
      [{ ...ok, extra: 1 }, 400, 'validation_failed'],
      [dealBody('usr_payer', [[agentRcp, 10_000]], 1.5), 400, 'validation_failed'],
      [dealBody('usr_payer', [[agentRcp, 10_000]], 2 ** 53), 400, 'validation_failed'],
      [{ ...ok, milestones: [] }, 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await create(payload);
      assert.deepEqual([res.statusCode, res.json().code], [status, code], JSON.stringify(payload));
    }
  });
});

describe('Idempotency-Key over real HTTP', () => {
  it('given the header twice, then the draft is refused with 400 idempotency_key_repeated and nothing is written', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await requestRaw(`http://127.0.0.1:${port}/v1/deals`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await h.token('usr_agent', AGENT)}`,
        'content-type': 'application/json',
        'idempotency-key': ['twice-1', 'twice-2'],
      },
      body: JSON.stringify(dealBody('usr_payer_twice', [[agentRcp, 10_000]])),
    });
    assert.deepEqual([res.status, JSON.parse(res.text).code], [400, 'idempotency_key_repeated']);
    const { rows } = await h.pool.query("select 1 from deal_views where payer_id = 'usr_payer_twice'");
    assert.equal(rows.length, 0);
  });
});
