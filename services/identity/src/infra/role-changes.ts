import { type Pool, withTransaction } from '@strongbox/postgres';
import { decideRoles, type RoleChange, type RoleChangeOutcome } from '../domain/roles.ts';
import type { User, UserRole } from '../domain/user.ts';

interface Row {
  id: string;
  email: string;
  name: string;
  roles: UserRole[];
  created_at: Date;
}

const toUser = (r: Row, roles: readonly UserRole[]): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  roles,
  createdAt: r.created_at,
});

/**
 * Replaces a user's roles and records the change in the insert-only trail, in one transaction. The row is
 * locked first, so two concurrent changes are decided one after the other against what the first wrote,
 * and the trail's "before" is always what was really replaced.
 */
export async function changeRoles(pool: Pool, c: RoleChange): Promise<RoleChangeOutcome> {
  return await withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<Row>(
      'select id, email, name, roles, created_at from users where id = $1 for update',
      [c.userId],
    );
    const row = rows[0];
    if (!row) return { kind: 'not_found' };
    const decision = decideRoles(row.roles, c.requested, c.userId, c.by);
    if (decision.kind === 'refused') return decision;
    if (decision.kind === 'unchanged') return { kind: 'unchanged', user: toUser(row, row.roles) };
    await tx.query('update users set roles = $2, updated_at = $3 where id = $1', [
      c.userId,
      decision.roles,
      c.at,
    ]);
    await tx.query(
      `insert into role_changes (id, user_id, changed_by, roles_before, roles_after, trace_id, changed_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [c.changeId, c.userId, c.by, row.roles, decision.roles, c.traceId ?? null, c.at],
    );
    return { kind: 'changed', user: toUser(row, decision.roles) };
  });
}

/** The user id for an email, for the operator's command. */
export async function userIdByEmail(pool: Pool, emailNormalized: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>('select id from users where email_normalized = $1', [
    emailNormalized,
  ]);
  return rows[0]?.id;
}
