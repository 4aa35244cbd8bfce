import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decryptSecret,
  encryptSecret,
  isSealed,
  needsResealing,
  newSecretsKey,
  openStoredSecret,
  parseSecretsKeys,
  type SecretDecryptError,
  type SecretKeys,
  sealForStorage,
} from './secrets.ts';

const keysOf = (raw: string): SecretKeys => {
  const keys = parseSecretsKeys(raw);
  assert.ok(keys);
  return keys;
};
const OLD = newSecretsKey('k1');
const NEW = newSecretsKey('k2');

function failsWith(f: () => unknown, reason: SecretDecryptError['reason']): void {
  assert.throws(f, (err: SecretDecryptError) => err.name === 'SecretDecryptError' && err.reason === reason);
}

describe('parseSecretsKeys', () => {
  it('reads one key, or several newest first, in standard or url-safe base64', () => {
    const raw = randomBytes(32);
    const keys = keysOf(`k2:${raw.toString('base64url')}, k1:${raw.toString('base64')}`);
    assert.deepEqual(
      keys.map((k) => k.id),
      ['k2', 'k1'],
    );
    assert.deepEqual(keys[0].key, raw);
  });

  it('refuses short keys, bad ids, duplicates, missing separators and too many keys', () => {
    const key = randomBytes(32).toString('base64');
    for (const bad of [
      `k1:${randomBytes(16).toString('base64')}`,
      `k.1:${key}`,
      `:${key}`,
      key,
      `k1:${key},k1:${key}`,
      `k1:${key},`,
      `k1:not base64!`,
      [1, 2, 3, 4, 5].map((n) => `k${n}:${key}`).join(','),
    ])
      assert.equal(parseSecretsKeys(bad), undefined, bad);
  });
});

describe('encryptSecret and decryptSecret', () => {
  it('round-trip any text, with a fresh IV each time', () => {
    const keys = keysOf(NEW);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 40 }), (s, ctx) => {
        const sealed = encryptSecret(s, keys, ctx);
        assert.ok(isSealed(sealed));
        assert.equal(decryptSecret(sealed, keys, ctx), s);
      }),
    );
    assert.notEqual(encryptSecret('same', keys), encryptSecret('same', keys));
  });

  it('name the key beside the ciphertext and never hold the plain text', () => {
    const sealed = encryptSecret('whsec_very-secret', keysOf(NEW));
    assert.match(sealed, /^v1\.k2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('very-secret'));
  });

  it('detect any altered part, and a value moved to another context', () => {
    const keys = keysOf(NEW);
    const sealed = encryptSecret('secret', keys, 'row-1');
    const parts = sealed.split('.');
    for (const i of [2, 3, 4]) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[i] as string, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 1;
      altered[i] = bytes.toString('base64url');
      failsWith(() => decryptSecret(altered.join('.'), keys, 'row-1'), 'not_authentic');
    }
    failsWith(() => decryptSecret(sealed, keys, 'row-2'), 'not_authentic');
    failsWith(() => decryptSecret('v1.k2.x', keys), 'malformed');
    failsWith(() => decryptSecret('whsec_plain', keys), 'malformed');
  });

  it('refuse a key that is not configured, and a wrong key under the same id', () => {
    const sealed = encryptSecret('secret', keysOf(OLD));
    failsWith(() => decryptSecret(sealed, keysOf(NEW)), 'unknown_key');
    failsWith(() => decryptSecret(sealed, keysOf(newSecretsKey('k1'))), 'not_authentic');
    assert.match(
      (() => {
        try {
          decryptSecret(sealed, keysOf(NEW));
          return '';
        } catch (err) {
          return (err as Error).message;
        }
      })(),
      /sealed under key "k1", which SECRETS_KEY does not hold/,
    );
  });
});

describe('rotation', () => {
  it('decrypts under every configured key, encrypts under the first, and says what to seal again', () => {
    const before = encryptSecret('secret', keysOf(OLD));
    const rotated = keysOf(`${NEW},${OLD}`);
    assert.equal(decryptSecret(before, rotated), 'secret');
    assert.ok(needsResealing(before, rotated));
    const after = encryptSecret(decryptSecret(before, rotated), rotated);
    assert.ok(after.startsWith('v1.k2.'));
    assert.ok(!needsResealing(after, rotated));
    assert.equal(decryptSecret(after, keysOf(NEW)), 'secret');
  });

  it('reads plain text written before encryption and seals it on the next write', () => {
    const keys = keysOf(NEW);
    assert.equal(openStoredSecret('whsec_legacy', keys), 'whsec_legacy');
    assert.ok(needsResealing('whsec_legacy', keys));
    assert.ok(isSealed(sealForStorage('whsec_legacy', keys)));
    assert.equal(sealForStorage('whsec_legacy', undefined), 'whsec_legacy');
    assert.ok(!needsResealing('whsec_legacy', undefined));
    failsWith(() => openStoredSecret(encryptSecret('s', keys), undefined), 'unknown_key');
  });
});
