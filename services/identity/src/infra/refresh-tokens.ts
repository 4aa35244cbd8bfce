import { createHash, randomBytes } from 'node:crypto';
import { type Pool, type PoolClient, withTransaction } from '@strongbox/postgres';
import { decideRefresh, type RefreshDecision } from '../domain/refresh.ts';

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60_000;
const TOKEN_BYTES = 32;

/** Refresh tokens are 256 random bits, so a plain SHA-256 is a safe way to store and look them up. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function newRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export interface NewRefresh {
  readonly id: string;
  readonly familyId: string;
  readonly userId: string;
  readonly token: string;
  readonly at: Date;
}

async function insertToken(db: Pool | PoolClient, t: NewRefresh): Promise<void> {
  await db.query(
    `insert into refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [t.id, t.familyId, t.userId, hashToken(t.token), t.at, new Date(t.at.getTime() + REFRESH_TOKEN_TTL_MS)],
  );
}

export async function startFamily(pool: Pool, t: NewRefresh): Promise<void> {
  await insertToken(pool, t);
}

export type RotateOutcome =
  | { readonly kind: 'rotated'; readonly userId: string }
  | { readonly kind: Exclude<RefreshDecision['kind'], 'rotate'> };

/**
 * Uses a refresh token once. The row is locked, so of two concurrent uses of the same token exactly one
 * rotates and the other is treated as reuse, which revokes the family. The revocation commits before the
 * caller answers 401, so a thief's replay cannot be rolled back by its own failure.
 */
export async function rotate(
  pool: Pool,
  token: string,
  now: Date,
  next: (userId: string, familyId: string) => NewRefresh,
): Promise<RotateOutcome> {
  return await withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      family_id: string;
      user_id: string;
      used_at: Date | null;
      revoked_at: Date | null;
      expires_at: Date;
    }>(
      `select id, family_id, user_id, used_at, revoked_at, expires_at
       from refresh_tokens where token_hash = $1 for update`,
      [hashToken(token)],
    );
    const row = rows[0];
    const decision = decideRefresh(
      row && { usedAt: row.used_at, revokedAt: row.revoked_at, expiresAt: row.expires_at },
      now,
    );
    if (decision.kind === 'reuse' && row) {
      await tx.query(
        'update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null',
        [row.family_id, now],
      );
    }
    if (decision.kind !== 'rotate' || !row)
      return { kind: decision.kind === 'rotate' ? 'unknown' : decision.kind };
    await tx.query('update refresh_tokens set used_at = $2 where id = $1', [row.id, now]);
    await insertToken(tx, next(row.user_id, row.family_id));
    return { kind: 'rotated', userId: row.user_id };
  });
}

/** Revokes the family the token belongs to; an unknown token is not an error (logout is idempotent). */
export async function revokeFamilyOf(pool: Pool, token: string, now: Date): Promise<void> {
  await pool.query(
    `update refresh_tokens set revoked_at = $2
     where family_id = (select family_id from refresh_tokens where token_hash = $1) and revoked_at is null`,
    [hashToken(token), now],
  );
}

export interface SessionRow {
  readonly familyId: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
}

/**
 * A user's live logins: one per family whose newest token is still usable (neither spent, revoked nor
 * expired). A family starts at login and gains a token on each refresh, so its first token's time is the
 * login and its newest token's time is the last refresh.
 */
export async function liveSessions(pool: Pool, userId: string, now: Date): Promise<SessionRow[]> {
  const { rows } = await pool.query<{ family_id: string; created_at: Date; last_used_at: Date }>(
    `select family_id, min(created_at) as created_at, max(created_at) as last_used_at
     from refresh_tokens where user_id = $1
     group by family_id
     having bool_or(used_at is null and revoked_at is null and expires_at > $2)
     order by max(created_at) desc, family_id`,
    [userId, now],
  );
  return rows.map((r) => ({ familyId: r.family_id, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

/**
 * Revokes one of the user's families. False when the user has no such family, so another user's id is
 * indistinguishable from a missing one; an already ended family of the user's own answers true (idempotent).
 */
export async function revokeUserFamily(
  pool: Pool,
  userId: string,
  familyId: string,
  now: Date,
): Promise<boolean> {
  const { rows } = await pool.query<{ found: boolean }>(
    `with target as (select id from refresh_tokens where family_id = $1 and user_id = $2),
     revoked as (
       update refresh_tokens set revoked_at = $3
       where id in (select id from target) and revoked_at is null returning id)
     select exists (select 1 from target) as found, (select count(*) from revoked) as n`,
    [familyId, userId, now],
  );
  return rows[0]?.found === true;
}
