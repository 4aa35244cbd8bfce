import type { Logger } from '@strongbox/http';
import { openStoredSecret, type SecretKeys, sealForStorage } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';

/**
 * TOTP secrets at rest (ADR 0027): sealed under SECRETS_KEY, like the signing keys, in
 * `user_totp.secret_sealed` (migration 0006). Whoever holds the secret can make every code, so a copy of
 * the table without the key must not yield it. `secret` keeps the base32 text only for rows written before
 * encryption, or by a development run without SECRETS_KEY.
 */

// The user's id is authenticated with the secret: a sealed secret copied to another user does not open.
const contextOf = (userId: string) => `identity.user_totp:${userId}`;

/** The columns to write for `secret`: sealed under the newest key, or plain text without one. */
export function totpSecretColumns(
  secret: string,
  userId: string,
  keys: SecretKeys | undefined,
): { plain: string | null; sealed: string | null } {
  return keys
    ? { plain: null, sealed: sealForStorage(secret, keys, contextOf(userId)) }
    : { plain: secret, sealed: null };
}

/** The base32 secret a row holds; throws SecretDecryptError when it cannot be opened. */
export function openTotpSecret(
  row: { plain: string | null; sealed: string | null },
  userId: string,
  keys: SecretKeys | undefined,
): string {
  return openStoredSecret(row.sealed ?? row.plain ?? '', keys, contextOf(userId));
}

/** Rows sealed again per transaction at start; each batch is short, so a login waits little. */
export const RESEAL_BATCH_SIZE = 200;
/** Bounds the start-up pass (a million users); what is left is sealed at the next start or enrollment. */
export const RESEAL_BATCHES_MAX = 5_000;

interface Row {
  user_id: string;
  secret: string | null;
  secret_sealed: string | null;
}

/**
 * At start, after the signing keys: first proves that SECRETS_KEY opens what is stored (one row per key
 * id it names, so a wrong key stops the start with one line rather than every login later), then seals
 * again under the newest key every secret that is plain text or under an older key, in short batches
 * (`skip locked`: two instances starting together share the work). After one start with a new key
 * first, the old key can be removed.
 */
export async function resealTotpSecrets(
  pool: Pool,
  keys: SecretKeys | undefined,
  logger: Logger,
): Promise<void> {
  const { rows: samples } = await pool.query<Row>(
    `select distinct on (split_part(secret_sealed, '.', 2)) user_id, secret, secret_sealed from user_totp
     where secret_sealed is not null order by split_part(secret_sealed, '.', 2), user_id`,
  );
  for (const s of samples) openTotpSecret({ plain: s.secret, sealed: s.secret_sealed }, s.user_id, keys);
  if (!keys) return;
  const newest = `v1.${keys[0].id}.%`;
  let resealed = 0;
  for (let batch = 0; batch < RESEAL_BATCHES_MAX; batch += 1) {
    const n = await withTransaction(pool, async (tx) => {
      const { rows } = await tx.query<Row>(
        `select user_id, secret, secret_sealed from user_totp
         where secret_sealed is null or secret_sealed not like $1
         order by user_id limit $2 for update skip locked`,
        [newest, RESEAL_BATCH_SIZE],
      );
      for (const r of rows) {
        const plain = openTotpSecret({ plain: r.secret, sealed: r.secret_sealed }, r.user_id, keys);
        const cols = totpSecretColumns(plain, r.user_id, keys);
        await tx.query('update user_totp set secret = $2, secret_sealed = $3 where user_id = $1', [
          r.user_id,
          cols.plain,
          cols.sealed,
        ]);
      }
      return rows.length;
    });
    resealed += n;
    if (n < RESEAL_BATCH_SIZE) break;
  }
  if (resealed > 0) logger.info({ resealed, keyId: keys[0].id }, 'TOTP secrets sealed under the newest key');
}
