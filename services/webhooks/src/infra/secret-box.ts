import type { Logger } from '@strongbox/http';
import { needsResealing, openStoredSecret, type SecretKeys, sealForStorage } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';

/**
 * Endpoint signing secrets at rest (ADR 0027). HMAC needs the secret itself, so it cannot be hashed; it
 * is sealed under SECRETS_KEY instead, in the same `secret` and `previous_secret` columns: a sealed value
 * starts `v1.`, a secret written before encryption starts `whsec_` and is read as it is.
 */
export interface SecretBox {
  /** What to store for an endpoint's secret: sealed under the newest key (plain without one). */
  seal(plain: string, endpointId: string): string;
  /** The secret a stored value holds; throws SecretDecryptError when it cannot be opened. */
  open(stored: string, endpointId: string): string;
}

/** Endpoints sealed again per transaction at start; each batch is short, so writers wait little. */
export const RESEAL_BATCH_SIZE = 200;
/** Bounds the start-up pass (a million endpoints); what is left is sealed again at the next write or start. */
export const RESEAL_BATCHES_MAX = 5_000;

// The endpoint id is authenticated with its secret: a sealed secret copied to another endpoint does not open.
const contextOf = (endpointId: string) => `webhooks.endpoints:${endpointId}`;

export function secretBox(keys: SecretKeys | undefined): SecretBox {
  return {
    seal: (plain, id) => sealForStorage(plain, keys, contextOf(id)),
    open: (stored, id) => openStoredSecret(stored, keys, contextOf(id)),
  };
}

/**
 * At start: first proves that SECRETS_KEY opens what is stored (one endpoint per key id it names, so a
 * wrong key stops the start, with one line, rather than every delivery later), then seals again under the
 * newest key every secret that is plain text or under an older key. After one start with a new key
 * first, the old key can be removed.
 */
export async function resealEndpointSecrets(
  pool: Pool,
  keys: SecretKeys | undefined,
  logger: Logger,
): Promise<void> {
  const { rows: samples } = await pool.query<{ id: string; secret: string }>(
    `select distinct on (split_part(secret, '.', 2)) id, secret from endpoints
     where secret like 'v1.%' order by split_part(secret, '.', 2), id`,
  );
  for (const s of samples) openStoredSecret(s.secret, keys, contextOf(s.id));
  if (!keys) return;
  const box = secretBox(keys);
  const newest = `v1.${keys[0].id}.%`;
  let resealed = 0;
  for (let batch = 0; batch < RESEAL_BATCHES_MAX; batch += 1) {
    const n = await withTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ id: string; secret: string; previous_secret: string | null }>(
        `select id, secret, previous_secret from endpoints
         where secret not like $1 or (previous_secret is not null and previous_secret not like $1)
         order by id limit $2 for update skip locked`,
        [newest, RESEAL_BATCH_SIZE],
      );
      for (const r of rows) {
        const again = (stored: string | null) =>
          stored === null || !needsResealing(stored, keys) ? stored : box.seal(box.open(stored, r.id), r.id);
        await tx.query('update endpoints set secret = $2, previous_secret = $3 where id = $1', [
          r.id,
          again(r.secret),
          again(r.previous_secret),
        ]);
      }
      return rows.length;
    });
    resealed += n;
    if (n < RESEAL_BATCH_SIZE) break;
  }
  if (resealed > 0)
    logger.info({ resealed, keyId: keys[0].id }, 'webhook secrets sealed under the newest key');
}
