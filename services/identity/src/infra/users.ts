import type { Pool } from '@strongbox/postgres';
import type { User, UserRole } from '../domain/user.ts';

interface UserRow {
  id: string;
  email: string;
  name: string;
  roles: UserRole[];
  created_at: Date;
  password_hash: string;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  roles: r.roles,
  createdAt: r.created_at,
});

const UNIQUE_VIOLATION = '23505';

/** Inserts a user; answers `undefined` when the email is already registered (the unique index decides). */
export async function insertUser(
  pool: Pool,
  u: {
    id: string;
    email: string;
    emailNormalized: string;
    name: string;
    passwordHash: string;
    roles: UserRole[];
    traceId: string;
    at: Date;
  },
): Promise<User | undefined> {
  try {
    const { rows } = await pool.query<UserRow>(
      `insert into users (id, email, email_normalized, name, password_hash, roles, trace_id, created_at,
         updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       returning id, email, name, roles, created_at, password_hash`,
      [u.id, u.email, u.emailNormalized, u.name, u.passwordHash, u.roles, u.traceId, u.at],
    );
    return toUser(rows[0] as UserRow);
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
    throw err;
  }
}

export async function findUserById(pool: Pool, id: string): Promise<User | undefined> {
  const { rows } = await pool.query<UserRow>(
    'select id, email, name, roles, created_at, password_hash from users where id = $1',
    [id],
  );
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** The user registered under the normalized email, without their credentials. */
export async function findUserByEmail(pool: Pool, emailNormalized: string): Promise<User | undefined> {
  const { rows } = await pool.query<UserRow>(
    'select id, email, name, roles, created_at, password_hash from users where email_normalized = $1',
    [emailNormalized],
  );
  return rows[0] ? toUser(rows[0]) : undefined;
}

export async function findCredentialsByEmail(
  pool: Pool,
  emailNormalized: string,
): Promise<{ user: User; passwordHash: string } | undefined> {
  const { rows } = await pool.query<UserRow>(
    'select id, email, name, roles, created_at, password_hash from users where email_normalized = $1',
    [emailNormalized],
  );
  const row = rows[0];
  return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
}

/** Gives an existing user the admin role, or creates the user as an admin; used only by the CLI. */
export async function upsertAdmin(
  pool: Pool,
  u: { id: string; email: string; emailNormalized: string; name: string; passwordHash: string; at: Date },
): Promise<User> {
  const { rows } = await pool.query<UserRow>(
    `insert into users (id, email, email_normalized, name, password_hash, roles, created_at, updated_at)
     values ($1, $2, $3, $4, $5, '{admin}', $6, $6)
     on conflict (email_normalized) do update
       set roles = (select array_agg(distinct r) from unnest(users.roles || '{admin}'::text[]) r),
           password_hash = excluded.password_hash, updated_at = excluded.updated_at
     returning id, email, name, roles, created_at, password_hash`,
    [u.id, u.email, u.emailNormalized, u.name, u.passwordHash, u.at],
  );
  return toUser(rows[0] as UserRow);
}
