import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PLATFORM_FEE_RECIPIENT_ID,
  PLATFORM_USER_ID,
  platformProfile,
  resolvePlatformFee,
} from './platform-fee.ts';
import { type ShareRule, split } from './split.ts';

const FEE = { recipientId: 'rcp_platform', minimum: 10_000n };
const agent: ShareRule = { recipientId: 'rcp_agent', share: { percentBp: 9_900 } };
const feeShare = (share: ShareRule['share'], recipientId = PLATFORM_FEE_RECIPIENT_ID): ShareRule => ({
  recipientId,
  share,
});

describe('resolvePlatformFee', () => {
  it('given a percentage share naming platform_fee, then it names the configured profile with the minimum', () => {
    const r = resolvePlatformFee([agent, feeShare({ percentBp: 100 })], FEE);
    assert.deepEqual(r, {
      ok: true,
      rules: [agent, { recipientId: 'rcp_platform', share: { percentBp: 100 }, minimum: 10_000n }],
    });
  });

  it('given 1 % of 1,000.00 against a minimum of 100.00, then split pays the minimum and the rest to the agent', () => {
    const r = resolvePlatformFee([agent, feeShare({ percentBp: 100 })], FEE);
    assert.ok(r.ok);
    const s = split(100_000n, r.rules);
    assert.deepEqual(s.ok && s.shares.map((x) => x.amount), [90_000n, 10_000n]);
  });

  it("given the profile's own id, then it is the same fee with the same minimum", () => {
    const r = resolvePlatformFee([agent, feeShare({ percentBp: 100 }, 'rcp_platform')], FEE);
    assert.deepEqual(r.ok && r.rules[1], {
      recipientId: 'rcp_platform',
      share: { percentBp: 100 },
      minimum: 10_000n,
    });
  });

  it('given a fixed fee, then it stays fixed when at least the minimum and is refused below it', () => {
    assert.deepEqual(resolvePlatformFee([feeShare({ fixed: 10_000n })], FEE), {
      ok: true,
      rules: [{ recipientId: 'rcp_platform', share: { fixed: 10_000n } }],
    });
    assert.deepEqual(resolvePlatformFee([feeShare({ fixed: 9_999n })], FEE), {
      ok: false,
      code: 'platform_fee_below_minimum',
    });
  });

  it('given a minimum of zero, then the share carries none', () => {
    const r = resolvePlatformFee([feeShare({ percentBp: 100 })], { ...FEE, minimum: 0n });
    assert.deepEqual(r.ok && r.rules, [{ recipientId: 'rcp_platform', share: { percentBp: 100 } }]);
  });

  it('given no configured profile, then naming the fee is refused and other shares pass untouched', () => {
    assert.deepEqual(resolvePlatformFee([agent, feeShare({ percentBp: 100 })], undefined), {
      ok: false,
      code: 'platform_fee_not_configured',
    });
    assert.deepEqual(resolvePlatformFee([agent], undefined), { ok: true, rules: [agent] });
  });
});

describe('platformProfile', () => {
  const config = {
    name: 'Strongbox',
    inn: '7707083893',
    accountNumber: '40702810800000000099',
    bik: '044525974',
    feeMinimum: 10_000n,
  };
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-02-01T00:00:00Z');

  it('given none stored, then a company with the fee role under the reserved user, with a new id', () => {
    const p = platformProfile(config, undefined, () => 'rcp_new', t0);
    assert.deepEqual(
      [p.id, p.userId, p.role, p.legalType, p.inn, p.createdAt, p.updatedAt],
      ['rcp_new', PLATFORM_USER_ID, 'platform_fee', 'company', config.inn, t0, t0],
    );
  });

  it('given one stored, then its id and creation time stay', () => {
    const p = platformProfile(config, { id: 'rcp_old', createdAt: t0 }, () => 'rcp_new', t1);
    assert.deepEqual([p.id, p.createdAt, p.updatedAt], ['rcp_old', t0, t1]);
  });
});
