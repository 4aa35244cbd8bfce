import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from '@strongbox/postgres';

/** Client secrets are 256 random bits, so SHA-256 (not a slow password hash) is enough to store them. */
function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function insertClient(
  pool: Pool,
  c: { id: string; clientId: string; name: string; secret: string; at: Date },
): Promise<void> {
  await pool.query(
    `insert into service_clients (id, client_id, name, secret_hash, created_at) values ($1, $2, $3, $4, $5)
     on conflict (client_id) do update set secret_hash = excluded.secret_hash, disabled_at = null`,
    [c.id, c.clientId, c.name, hashSecret(c.secret), c.at],
  );
}

/** Answers the client's id when the secret matches an enabled client; compared in constant time. */
export async function verifyClient(
  pool: Pool,
  clientId: string,
  secret: string,
): Promise<string | undefined> {
  const { rows } = await pool.query<{ client_id: string; secret_hash: Buffer }>(
    'select client_id, secret_hash from service_clients where client_id = $1 and disabled_at is null',
    [clientId],
  );
  const row = rows[0];
  const given = hashSecret(secret);
  const expected = row?.secret_hash ?? Buffer.alloc(given.length);
  return timingSafeEqual(given, expected) && row ? row.client_id : undefined;
}
