import {
  type Clock,
  needsResealing,
  newId,
  openStoredSecret,
  type SecretKeys,
  sealForStorage,
} from '@strongbox/kernel';
import { type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
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

/** Signing keys are a handful (one, two during a rotation, the retired ones); more means something broke. */
export const SIGNING_KEYS_MAX = 100;

interface KeyRow {
  kid: string;
  private_jwk: JWK | null;
  private_jwk_sealed: string | null;
  public_jwk: JWK;
  retired_at: Date | null;
}

/**
 * Loads the Ed25519 signing keys, creating the first one on a fresh database. The advisory lock makes two
 * instances starting together agree on a single key. Keys live in the identity schema so every instance
 * signs with the same key; rotating means inserting a newer key and later retiring the old one.
 *
 * Private keys are stored sealed under `secrets` (SECRETS_KEY, ADR 0027). Under the same lock, every row
 * that is plain text (written before encryption, or without a key in development) or sealed under an
 * older key is sealed again with the newest: after one start with a new key, the old one can go. A row
 * that cannot be opened throws SecretDecryptError, which stops the start with one line.
 */
export async function loadKeyRing(pool: Pool, clock: Clock, secrets?: SecretKeys): Promise<KeyRing> {
  const rows = await withTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['strongbox:identity:signing-keys']);
    const { rows: all } = await tx.query<KeyRow>(
      `select kid, private_jwk, private_jwk_sealed, public_jwk, retired_at from signing_keys
       order by created_at desc limit $1`,
      [SIGNING_KEYS_MAX],
    );
    const opened = [];
    for (const row of all) opened.push({ ...row, private_jwk: await reseal(tx, row, secrets) });
    const live = opened.filter((r) => r.retired_at === null);
    if (live.length > 0) return live;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = newId('key', clock);
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
    const sealed = secrets ? sealForStorage(JSON.stringify(privateJwk), secrets, contextOf(kid)) : null;
    await tx.query(
      `insert into signing_keys (kid, private_jwk, private_jwk_sealed, public_jwk, created_at)
       values ($1, $2, $3, $4, $5)`,
      [kid, sealed ? null : privateJwk, sealed, publicJwk, clock.now()],
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

/** The row's private key in plain JSON; written back sealed under the newest key if it was not. */
async function reseal(tx: Queryable, row: KeyRow, secrets: SecretKeys | undefined): Promise<JWK> {
  const context = contextOf(row.kid);
  const stored = row.private_jwk_sealed ?? JSON.stringify(row.private_jwk);
  const privateJwk = JSON.parse(openStoredSecret(stored, secrets, context)) as JWK;
  if (secrets && needsResealing(stored, secrets)) {
    await tx.query('update signing_keys set private_jwk = null, private_jwk_sealed = $2 where kid = $1', [
      row.kid,
      sealForStorage(JSON.stringify(privateJwk), secrets, context),
    ]);
  }
  return privateJwk;
}

// The kid is authenticated with the sealed key: a sealed key copied to another row does not open there.
const contextOf = (kid: string) => `identity.signing_keys:${kid}`;
