import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decideRoles } from './roles.ts';
import { USER_ROLES } from './user.ts';

describe('decideRoles', () => {
  it('replaces the set, in one canonical order', () => {
    assert.deepEqual(decideRoles(['customer'], ['agent', 'customer'], 'usr_a', 'usr_b'), {
      kind: 'change',
      roles: ['customer', 'agent'],
    });
  });

  it('answers unchanged for the same set in another order or with repeats', () => {
    const d = decideRoles(['customer', 'agent'], ['agent', 'customer', 'agent'], 'usr_a', 'usr_b');
    assert.equal(d.kind, 'unchanged');
  });

  it('refuses unknown roles, naming them, and the service role', () => {
    const d = decideRoles(['customer'], ['agent', 'root', 'service'], 'usr_a', 'usr_b');
    assert.deepEqual(d, { kind: 'refused', code: 'unknown_role', detail: 'Unknown roles: root, service' });
  });

  it('refuses an empty set', () => {
    assert.equal(decideRoles(['customer'], [], 'usr_a', 'usr_b').kind, 'refused');
  });

  it('refuses an admin removing their own admin role, but lets another admin do it', () => {
    const self = decideRoles(['admin'], ['customer'], 'usr_a', 'usr_a');
    assert.equal(self.kind === 'refused' && self.code, 'last_admin_role');
    assert.equal(decideRoles(['admin'], ['customer'], 'usr_a', 'usr_b').kind, 'change');
    assert.equal(decideRoles(['admin'], ['admin', 'agent'], 'usr_a', 'usr_a').kind, 'change');
  });

  it('never answers a role outside the known set, nor a duplicate', () => {
    const role = fc.constantFrom(...USER_ROLES, 'root', 'service', '');
    fc.assert(
      fc.property(fc.subarray([...USER_ROLES]), fc.array(role), (current, requested) => {
        const d = decideRoles(current, requested, 'usr_a', 'usr_b');
        if (d.kind === 'refused') return;
        assert.ok(d.roles.length > 0);
        assert.equal(new Set(d.roles).size, d.roles.length);
        for (const r of d.roles) assert.ok(requested.includes(r));
      }),
    );
  });
});
