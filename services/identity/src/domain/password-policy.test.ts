import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalizeEmail, PASSWORD_LENGTH_MIN, passwordProblems } from './password-policy.ts';

describe('passwordProblems', () => {
  it('given a long varied passphrase, then there is nothing to object to', () => {
    assert.deepEqual(passwordProblems('correct horse battery staple', 'alice@example.com'), []);
  });

  it('given a short password, then it names the length', () => {
    const [p] = passwordProblems('abc12', 'alice@example.com');
    assert.equal(p?.field, 'body/password');
    assert.match(p?.message ?? '', /at least 10/);
  });

  it('given a common password, a repeated character or the email name, then it objects', () => {
    assert.ok(passwordProblems('Password123', 'x@example.com').some((p) => /commonly/.test(p.message)));
    assert.ok(passwordProblems('aaaaaaaaaaaa', 'x@example.com').some((p) => /different/.test(p.message)));
    assert.ok(
      passwordProblems('alice-in-wonderland', 'alice@example.com').some((p) => /email/.test(p.message)),
    );
  });

  it('never accepts a password shorter than the minimum', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: PASSWORD_LENGTH_MIN - 1 }), (pw) => {
        assert.ok(passwordProblems(pw, 'someone@example.com').length > 0);
      }),
    );
  });
});

describe('normalizeEmail', () => {
  it('is idempotent and case-insensitive', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const n = normalizeEmail(email);
        assert.equal(normalizeEmail(n), n);
        assert.equal(normalizeEmail(` ${email.toUpperCase()} `), n);
      }),
    );
  });
});
