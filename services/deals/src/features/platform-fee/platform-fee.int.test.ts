/**
 * The platform's fee recipient: configured, kept at start, and named by shares as `platform_fee`, which
 * resolves to its profile with the fee's minimum (in the preview, a new deal and a revised one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEVELOPMENT_PLATFORM, PLATFORM_FEE_MINIMUM } from '../../config.ts';
import { PLATFORM_USER_ID, type PlatformProfileConfig } from '../../domain/platform-fee.ts';
import { keepPlatformProfile } from '../../platform-profile.ts';
import { dealBody, type Harness, startDeals } from '../../test-support.ts';

const PLATFORM: PlatformProfileConfig = {
  name: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_NAME,
  inn: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_INN,
  accountNumber: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_ACCOUNT,
  bik: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_BIK,
  feeMinimum: BigInt(PLATFORM_FEE_MINIMUM),
};

let h: Harness;
let bare: Harness;
let agentRcp: string;

before(async () => {
  [h, bare] = await Promise.all([startDeals({ platform: PLATFORM }), startDeals()]);
  agentRcp = await h.recipient('usr_agent');
});
after(async () => {
  await Promise.all([h?.close(), bare?.close()]);
});

/** 1 % fee of 1,000.00 is 10.00, below the 100.00 minimum. */
const FEE_SHARES: Array<[string, number]> = [
  ['AGENT', 9_900],
  ['platform_fee', 100],
];
const shares = (agent: string) =>
  FEE_SHARES.map(([id, bp]): [string, number] => [id === 'AGENT' ? agent : id, bp]);
const platformRow = async (harness: Harness) =>
  (
    await harness.pool.query(
      'select recipient_id, role, legal_type, name from recipients where user_id = $1',
      [PLATFORM_USER_ID],
    )
  ).rows[0];
const registrations = async (recipientId: string) =>
  Number(
    (
      await h.pool.query(
        `select count(*) as n from bank_tasks where subject_id = $1 and kind = 'register_recipient'`,
        [recipientId],
      )
    ).rows[0].n,
  );

describe('the platform fee recipient', () => {
  it('given the settings, then at start it is a company profile with the fee role, queued for the bank once; starting again changes nothing', async () => {
    const row = await platformRow(h);
    assert.deepEqual([row.role, row.legal_type, row.name], ['platform_fee', 'company', PLATFORM.name]);
    assert.equal(await registrations(row.recipient_id), 1);
    const again = await keepPlatformProfile(h.pool, h.clock, PLATFORM);
    assert.deepEqual(again, { recipientId: row.recipient_id, minimum: BigInt(PLATFORM_FEE_MINIMUM) });
    assert.equal(await registrations(row.recipient_id), 1);
    h.clock.advance(1_000);
    const renamed = await keepPlatformProfile(h.pool, h.clock, { ...PLATFORM, name: 'Strongbox LLC' });
    assert.equal(renamed.recipientId, row.recipient_id);
    assert.equal(await registrations(row.recipient_id), 2, 'changed details are sent to the bank again');
    await keepPlatformProfile(h.pool, h.clock, PLATFORM);
  });

  it('given a fee below its minimum, then the preview shows the minimum under the id the request named', async () => {
    const res = await h.as('usr_agent', ['agent'], {
      method: 'POST',
      url: '/v1/deals/split-preview',
      payload: {
        amount: 100_000,
        recipients: dealBody('usr_payer', shares(agentRcp)).milestones[0]!.recipients,
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().shares, [
      { recipientId: agentRcp, amount: 90_000 },
      { recipientId: 'platform_fee', amount: PLATFORM_FEE_MINIMUM },
    ]);
  });

  it('given a deal naming platform_fee, then its share is the platform profile with the minimum, when created and when revised', async () => {
    const { recipient_id: platformRcp } = await platformRow(h);
    const created = await h.as('usr_agent', ['agent'], {
      method: 'POST',
      url: '/v1/deals',
      payload: dealBody('usr_payer', shares(agentRcp)),
    });
    assert.equal(created.statusCode, 201, created.body);
    const m = created.json().milestones[0];
    assert.deepEqual(
      m.payouts.map((p: { recipientId: string; amount: number }) => [p.recipientId, p.amount]),
      [
        [agentRcp, 90_000],
        [platformRcp, PLATFORM_FEE_MINIMUM],
      ],
    );
    assert.equal(m.rules[1].minimum, PLATFORM_FEE_MINIMUM);
    const revised = await h.as('usr_agent', ['agent'], {
      method: 'PATCH',
      url: `/v1/deals/${created.json().id}`,
      payload: { milestones: dealBody('usr_payer', shares(agentRcp), 2_000_000).milestones },
      headers: { 'if-match': '1' },
    });
    assert.equal(revised.statusCode, 200, revised.body);
    assert.deepEqual(
      revised
        .json()
        .milestones[0].payouts.map((p: { recipientId: string; amount: number }) => [p.recipientId, p.amount]),
      [
        [agentRcp, 1_980_000],
        [platformRcp, 20_000],
      ],
      'a fee above its minimum is its percentage',
    );
  });

  it('given no platform recipient configured, then naming it is refused with platform_fee_not_configured', async () => {
    const rcp = await bare.recipient('usr_agent');
    const body = dealBody('usr_payer', shares(rcp));
    const preview = await bare.as('usr_agent', ['agent'], {
      method: 'POST',
      url: '/v1/deals/split-preview',
      payload: { amount: 100_000, recipients: body.milestones[0]!.recipients },
    });
    const create = await bare.as('usr_agent', ['agent'], { method: 'POST', url: '/v1/deals', payload: body });
    for (const res of [preview, create])
      assert.deepEqual([res.statusCode, res.json().code], [422, 'platform_fee_not_configured'], res.body);
    assert.equal(await platformRow(bare), undefined);
  });
});
