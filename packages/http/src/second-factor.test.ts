import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from './auth.ts';
import { hasFreshCode, STEP_UP_FRESH_S, withoutUnprovenStaffRoles } from './second-factor.ts';

const user = (roles: Principal['roles'], extra: Partial<Principal> = {}): Principal => ({
  sub: 'usr_1',
  roles,
  kind: 'user',
  tokenId: 'jti',
  ...extra,
});

describe('withoutUnprovenStaffRoles', () => {
  it('given staff without TOTP, then the staff roles are set aside and the others kept', () => {
    const p = withoutUnprovenStaffRoles(user(['customer', 'operator', 'admin']));
    assert.deepEqual(p.roles, ['customer']);
    assert.deepEqual(p.withheldRoles, ['operator', 'admin']);
  });

  it('given staff with TOTP, a customer, or a service, then nothing changes', () => {
    const enrolled = user(['admin'], { totp: true });
    assert.equal(withoutUnprovenStaffRoles(enrolled), enrolled);
    const customer = user(['customer']);
    assert.equal(withoutUnprovenStaffRoles(customer), customer);
    const service: Principal = { sub: 'cli_x', roles: ['service'], kind: 'service', tokenId: 'j' };
    assert.equal(withoutUnprovenStaffRoles(service), service);
  });
});

describe('hasFreshCode', () => {
  const now = 1_800_000_000;
  it('given a code within five minutes, then it is fresh; older, or none, then not', () => {
    assert.equal(hasFreshCode(user(['admin'], { otpAt: now - STEP_UP_FRESH_S }), now), true);
    assert.equal(hasFreshCode(user(['admin'], { otpAt: now - STEP_UP_FRESH_S - 1 }), now), false);
    assert.equal(hasFreshCode(user(['admin']), now), false);
  });
});
