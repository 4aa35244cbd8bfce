import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Field } from './config.ts';

/**
 * Secrets encrypted at rest (ADR 0027): AES-256-GCM under a key from configuration, the key's id written
 * beside the ciphertext so that keys can rotate. The functions are pure apart from the random IV: keys
 * come in as arguments, and nothing here reads the environment or the database.
 *
 * The stored text is `v1.<keyId>.<iv>.<ciphertext>.<tag>`, each binary part base64url. Text that does not
 * start with `v1.` is a value written before encryption existed (plain text); callers read it as it is and
 * seal it again with `encryptSecret` (see `needsResealing`).
 */
export interface SecretKey {
  /** Names the key in what it sealed: 1–32 characters of `[A-Za-z0-9_-]`. */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

/** The configured keys, newest first: the first one encrypts, every one decrypts. */
export type SecretKeys = readonly [SecretKey, ...SecretKey[]];

export const SECRET_FORMAT_VERSION = 'v1';
export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** More than a rotation needs (old and new), few enough that a typo in the list stands out. */
export const SECRET_KEYS_MAX = 4;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

export type SecretFailure = 'malformed' | 'unknown_key' | 'not_authentic';

/** What is stored cannot be read: not our format, sealed under a key not configured, or altered. */
export class SecretDecryptError extends Error {
  readonly reason: SecretFailure;
  readonly keyId: string | undefined;
  constructor(reason: SecretFailure, keyId: string | undefined) {
    const why = {
      malformed: 'is not a sealed secret',
      unknown_key: `is sealed under key "${keyId}", which SECRETS_KEY does not hold`,
      not_authentic: `does not decrypt under key "${keyId}" (a wrong key of that id, or altered data)`,
    }[reason];
    super(`a stored secret ${why}`);
    this.name = 'SecretDecryptError';
    this.reason = reason;
    this.keyId = keyId;
  }
}

/**
 * Parses `SECRETS_KEY`: `<keyId>:<base64 of 32 bytes>`, comma-separated during a rotation (newest
 * first). Answers undefined for anything else, so a config field can report it.
 *
 * @example
 * parseSecretsKeys('k2:' + newKey + ',k1:' + oldKey); // [{ id: 'k2', … }, { id: 'k1', … }]
 */
export function parseSecretsKeys(raw: string): SecretKeys | undefined {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length > SECRET_KEYS_MAX) return undefined;
  const keys: SecretKey[] = [];
  for (const part of parts) {
    const colon = part.indexOf(':');
    const id = part.slice(0, colon);
    const encoded = part.slice(colon + 1);
    if (colon < 0 || !KEY_ID.test(id) || keys.some((k) => k.id === id)) return undefined;
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) return undefined;
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== SECRET_KEY_BYTES) return undefined;
    keys.push({ id, key });
  }
  const [first, ...rest] = keys;
  return first ? [first, ...rest] : undefined;
}

/** A new key for SECRETS_KEY under `id`, e.g. `newSecretsKey('k2')` → `k2:<base64>`. */
export function newSecretsKey(id: string): string {
  if (!KEY_ID.test(id)) throw new Error(`a key id is 1-32 characters of [A-Za-z0-9_-], not ${id}`);
  return `${id}:${randomBytes(SECRET_KEY_BYTES).toString('base64')}`;
}

/** SECRETS_KEY as a config field: optional here; where it is required says so (production). */
export const secretsKeysField: Field<SecretKeys | undefined> = {
  expected: `<keyId>:<base64 of ${SECRET_KEY_BYTES} bytes>, up to ${SECRET_KEYS_MAX} comma-separated, newest first`,
  secret: true,
  fallback: () => undefined,
  parse: parseSecretsKeys,
};

/**
 * Seals `plain` under the first key. `context` (the row's id, say) is authenticated with it, so a sealed
 * value copied to another row does not decrypt there.
 *
 * @example
 * const stored = encryptSecret('whsec_…', keys, endpointId);
 * decryptSecret(stored, keys, endpointId); // 'whsec_…'
 */
export function encryptSecret(plain: string, keys: SecretKeys, context = ''): string {
  const { id, key } = keys[0];
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(id, context));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [SECRET_FORMAT_VERSION, id, ...parts].join('.');
}

/** Opens what encryptSecret sealed, with the key it names; throws SecretDecryptError otherwise. */
export function decryptSecret(stored: string, keys: SecretKeys, context = ''): string {
  const parts = stored.split('.');
  const [version, id, iv, ciphertext, tag] = parts;
  if (
    parts.length !== 5 ||
    version !== SECRET_FORMAT_VERSION ||
    id === undefined ||
    !KEY_ID.test(id) ||
    ![iv, ciphertext, tag].every((p) => p !== undefined && B64URL.test(p))
  )
    throw new SecretDecryptError('malformed', undefined);
  const key = keys.find((k) => k.id === id);
  if (!key) throw new SecretDecryptError('unknown_key', id);
  const ivBytes = Buffer.from(iv!, 'base64url');
  const tagBytes = Buffer.from(tag!, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
    throw new SecretDecryptError('malformed', id);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(id, context));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext!, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SecretDecryptError('not_authentic', id);
  }
}

/** Whether `stored` is in the sealed format (anything else was written as plain text). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(`${SECRET_FORMAT_VERSION}.`);
}

/**
 * Reads a stored value that may predate encryption: sealed values are opened, plain text is returned as
 * it is. Without keys (development without SECRETS_KEY) a sealed value cannot be read and throws.
 */
export function openStoredSecret(stored: string, keys: SecretKeys | undefined, context = ''): string {
  if (!isSealed(stored)) return stored;
  if (!keys) throw new SecretDecryptError('unknown_key', stored.split('.')[1]);
  return decryptSecret(stored, keys, context);
}

/** What to store for `plain`: sealed under the newest key, or plain text when no key is configured. */
export function sealForStorage(plain: string, keys: SecretKeys | undefined, context = ''): string {
  return keys ? encryptSecret(plain, keys, context) : plain;
}

/** True when `stored` is plain text or sealed under a key other than the newest: it should be sealed again. */
export function needsResealing(stored: string, keys: SecretKeys | undefined): boolean {
  if (!keys) return false;
  return !stored.startsWith(`${SECRET_FORMAT_VERSION}.${keys[0].id}.`);
}

// The key id and the caller's context are authenticated with the ciphertext: neither can be swapped.
function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${SECRET_FORMAT_VERSION}.${keyId}.${context}`, 'utf8');
}
