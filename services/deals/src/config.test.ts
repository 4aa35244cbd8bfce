import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@strongbox/kernel';
import { DEVELOPMENT_NOTIFICATION_SECRET, dealsConfig } from './config.ts';

describe('deals configuration', () => {
  it('given nothing, then development defaults: port 3007 and the sandbox notification secret', () => {
    const c = dealsConfig({});
    assert.deepEqual([c.DEALS_PORT, c.BANK_NOTIFICATION_SECRET], [3007, [DEVELOPMENT_NOTIFICATION_SECRET]]);
  });

  it('given a rotation, then both secrets; refuses a short secret, three secrets, and production without one', () => {
    assert.deepEqual(
      dealsConfig({ BANK_NOTIFICATION_SECRET: 'old-secret, new-secret' }).BANK_NOTIFICATION_SECRET,
      ['old-secret', 'new-secret'],
    );
    assert.throws(() => dealsConfig({ BANK_NOTIFICATION_SECRET: 'short' }), ConfigError);
    assert.throws(() => dealsConfig({ BANK_NOTIFICATION_SECRET: 'aaaaaaaa,bbbbbbbb,cccccccc' }), ConfigError);
    assert.throws(() => dealsConfig({ NODE_ENV: 'production' }), /BANK_NOTIFICATION_SECRET/);
    assert.equal(
      dealsConfig({ NODE_ENV: 'production', BANK_NOTIFICATION_SECRET: 'a-real-secret' }).NODE_ENV,
      'production',
    );
  });
});
