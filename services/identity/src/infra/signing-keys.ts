import { type Clock, newId } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: PrivateKey;
  readonly publicJwk: JWK;
}

export interface KeyRing {
  /** The key new tokens are signed with. */
  readonly current: SigningKey;
  /** Every key whose tokens are still accepted, as published at /.well-known/jwks.json. */
  readonly published: readonly JWK[];
}

/**
 * Loads the Ed25519 signing keys, creating the first one on a fresh database. The advisory lock makes two
 * instances starting together agree on a single key. Keys live in the identity schema so every instance
 * signs with the same key; rotating means inserting a newer key and later retiring the old one.
 */
export async function loadKeyRing(pool: Pool, clock: Clock): Promise<KeyRing> {
  const rows = await withTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['strongbox:identity:signing-keys']);
    const existing = await tx.query<{ kid: string; private_jwk: JWK; public_jwk: JWK }>(
      'select kid, private_jwk, public_jwk from signing_keys where retired_at is null order by created_at desc',
    );
    if (existing.rows.length > 0) return existing.rows;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = newId('key', clock);
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
    await tx.query(
      'insert into signing_keys (kid, private_jwk, public_jwk, created_at) values ($1, $2, $3, $4)',
      [kid, privateJwk, publicJwk, clock.now()],
    );
    return [{ kid, private_jwk: privateJwk, public_jwk: publicJwk }];
  });
  const newest = rows[0];
  if (!newest) throw new Error('no signing key');
  const privateKey = await importJWK(newest.private_jwk, 'EdDSA');
  return {
    current: { kid: newest.kid, privateKey, publicJwk: newest.public_jwk },
    published: rows.map((r) => r.public_jwk),
  };
}
