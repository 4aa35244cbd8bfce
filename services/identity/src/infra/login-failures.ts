import type { Pool } from '@strongbox/postgres';
import type { FailureCounts } from '../domain/throttle.ts';

/** Failures inside the window, per account and per IP, read in one round trip. */
export async function countFailures(
  pool: Pool,
  emailNormalized: string,
  ip: string,
  since: Date,
): Promise<FailureCounts> {
  const { rows } = await pool.query<{ account: number; ip: number }>(
    `select
       (select count(*)::int from login_failures where email_normalized = $1 and at > $3) as account,
       (select count(*)::int from login_failures where ip = $2 and at > $3) as ip`,
    [emailNormalized, ip, since],
  );
  return rows[0] ?? { account: 0, ip: 0 };
}

/** Records a failure and forgets this account's failures that fell out of the window, so the table stays small. */
export async function recordFailure(
  pool: Pool,
  emailNormalized: string,
  ip: string,
  at: Date,
  since: Date,
): Promise<void> {
  await pool.query(
    `with pruned as (delete from login_failures where (email_normalized = $1 or ip = $2) and at <= $4)
     insert into login_failures (email_normalized, ip, at) values ($1, $2, $3)`,
    [emailNormalized, ip, at, since],
  );
}

/** A successful login clears the account's count, but not the IP's. */
export async function clearAccountFailures(pool: Pool, emailNormalized: string): Promise<void> {
  await pool.query('delete from login_failures where email_normalized = $1', [emailNormalized]);
}
