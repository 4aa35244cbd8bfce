import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt (RFC 7914) from node:crypto with a per-password random salt. The parameters are stored with the
 * hash, so they can be raised later without invalidating existing passwords. N = 2^15, r = 8 follows the
 * OWASP Password Storage Cheat Sheet's scrypt guidance.
 */
export interface ScryptParams {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

export const SCRYPT_DEFAULT: ScryptParams = { log2N: 15, r: 8, p: 1 };
const KEY_LENGTH_BYTES = 32;
const SALT_LENGTH_BYTES = 16;
const MAXMEM_BYTES = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH_BYTES,
      { N: 2 ** params.log2N, r: params.r, p: params.p, maxmem: MAXMEM_BYTES },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** Format: `scrypt$<log2N>$<r>$<p>$<salt base64url>$<key base64url>`. */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_DEFAULT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH_BYTES);
  const key = await derive(password, salt, params);
  return [
    'scrypt',
    params.log2N,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    log2N: Number(log2N),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
