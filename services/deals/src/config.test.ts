import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@strongbox/kernel';
import {
  DEVELOPMENT_BANK,
  DEVELOPMENT_NOTIFICATION_SECRET,
  DEVELOPMENT_PLATFORM,
  dealsConfig,
  PLATFORM_FEE_MINIMUM,
  platformProfileOf,
} from './config.ts';

describe('deals configuration', () => {
  it('given nothing, then development defaults: port 3007 and the sandbox notification secret', () => {
    const c = dealsConfig({});
    assert.deepEqual([c.DEALS_PORT, c.BANK_NOTIFICATION_SECRET], [3007, [DEVELOPMENT_NOTIFICATION_SECRET]]);
  });

  it('given nothing, then reconciliation every 5 minutes for what waited 10; refuses an interval below a second', () => {
    const c = dealsConfig({});
    assert.deepEqual(
      [c.DEALS_RECONCILE_INTERVAL_MS, c.DEALS_RECONCILE_AFTER_MS, c.DEALS_RECONCILE_BATCH_MAX],
      [300_000, 600_000, 1_000],
    );
    assert.equal(dealsConfig({ DEALS_RECONCILE_INTERVAL_MS: '60000' }).DEALS_RECONCILE_INTERVAL_MS, 60_000);
    assert.throws(() => dealsConfig({ DEALS_RECONCILE_INTERVAL_MS: '10' }), ConfigError);
    assert.throws(() => dealsConfig({ DEALS_RECONCILE_BATCH_MAX: '0' }), ConfigError);
  });

  it('given a rotation, then both secrets; refuses a short secret, three secrets, and production without one', () => {
    assert.deepEqual(
      dealsConfig({ BANK_NOTIFICATION_SECRET: 'old-secret, new-secret' }).BANK_NOTIFICATION_SECRET,
      ['old-secret', 'new-secret'],
    );
    assert.throws(() => dealsConfig({ BANK_NOTIFICATION_SECRET: 'short' }), ConfigError);
    assert.throws(() => dealsConfig({ BANK_NOTIFICATION_SECRET: 'aaaaaaaa,bbbbbbbb,cccccccc' }), ConfigError);
    assert.throws(() => dealsConfig({ NODE_ENV: 'production' }), /BANK_NOTIFICATION_SECRET/);
    const bank = {
      BANK_URL: 'https://bank.example',
      BANK_API_TOKEN: 'token',
      BANK_NOMINAL_ACCOUNT: '40702810500000000001',
    };
    assert.equal(
      dealsConfig({ NODE_ENV: 'production', BANK_NOTIFICATION_SECRET: 'a-real-secret', ...bank }).NODE_ENV,
      'production',
    );
  });

  it('given nothing, then the sandbox as the bank; production names its bank', () => {
    const c = dealsConfig({});
    assert.deepEqual(
      [c.BANK_URL, c.BANK_API_TOKEN],
      [DEVELOPMENT_BANK.BANK_URL, DEVELOPMENT_BANK.BANK_API_TOKEN],
    );
    assert.equal(c.BANK_NOMINAL_ACCOUNT, DEVELOPMENT_BANK.BANK_NOMINAL_ACCOUNT);
    assert.throws(
      () => dealsConfig({ NODE_ENV: 'production', BANK_NOTIFICATION_SECRET: 'a-real-secret' }),
      /BANK_URL|BANK_API_TOKEN|BANK_NOMINAL_ACCOUNT/,
    );
  });

  it("given nothing, then payers are shown the sandbox's bank and a development payee; refuses a bad INN or BIK", () => {
    const c = dealsConfig({});
    assert.deepEqual(
      [c.BANK_NOMINAL_BIK, c.BANK_NAME, c.DEALS_PAYEE_NAME, c.DEALS_PAYEE_INN],
      [
        DEVELOPMENT_BANK.BANK_NOMINAL_BIK,
        DEVELOPMENT_BANK.BANK_NAME,
        DEVELOPMENT_BANK.DEALS_PAYEE_NAME,
        DEVELOPMENT_BANK.DEALS_PAYEE_INN,
      ],
    );
    assert.throws(() => dealsConfig({ DEALS_PAYEE_INN: '7707083894' }), /DEALS_PAYEE_INN/);
    assert.throws(() => dealsConfig({ BANK_NOMINAL_BIK: '04452597' }), /BANK_NOMINAL_BIK/);
    assert.throws(() => dealsConfig({ DEALS_PAYEE_NAME: 'two\nlines' }), /DEALS_PAYEE_NAME/);
  });

  it('given nothing, then the development platform fee recipient with a minimum of 100.00; production has none unless it names one', () => {
    assert.deepEqual(platformProfileOf(dealsConfig({})), {
      name: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_NAME,
      inn: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_INN,
      accountNumber: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_ACCOUNT,
      bik: DEVELOPMENT_PLATFORM.DEALS_PLATFORM_BIK,
      feeMinimum: BigInt(PLATFORM_FEE_MINIMUM),
    });
    const production = {
      NODE_ENV: 'production',
      BANK_NOTIFICATION_SECRET: 'a-real-secret',
      BANK_URL: 'https://bank.example',
      BANK_API_TOKEN: 'token',
      BANK_NOMINAL_ACCOUNT: '40702810500000000001',
    };
    assert.equal(platformProfileOf(dealsConfig(production)), undefined);
    assert.equal(
      platformProfileOf(
        dealsConfig({ ...production, ...DEVELOPMENT_PLATFORM, DEALS_PLATFORM_FEE_MINIMUM: '0' }),
      )?.feeMinimum,
      0n,
    );
  });

  it('refuses half a platform profile, a bad INN, and an account whose control key does not match the BIK', () => {
    const production = {
      NODE_ENV: 'production',
      BANK_NOTIFICATION_SECRET: 'a-real-secret',
      BANK_URL: 'https://bank.example',
      BANK_API_TOKEN: 'token',
      BANK_NOMINAL_ACCOUNT: '40702810500000000001',
    };
    assert.throws(
      () => dealsConfig({ ...production, DEALS_PLATFORM_NAME: 'Strongbox' }),
      /DEALS_PLATFORM_INN/,
    );
    assert.throws(() => dealsConfig({ DEALS_PLATFORM_INN: '7707083894' }), /DEALS_PLATFORM_INN/);
    assert.throws(() => dealsConfig({ DEALS_PLATFORM_INN: '500100732259' }), /DEALS_PLATFORM_INN/);
    assert.throws(
      () => dealsConfig({ DEALS_PLATFORM_ACCOUNT: '40702810800000000098' }),
      /DEALS_PLATFORM_ACCOUNT/,
    );
    assert.throws(() => dealsConfig({ DEALS_PLATFORM_FEE_MINIMUM: '-1' }), /DEALS_PLATFORM_FEE_MINIMUM/);
  });
});
