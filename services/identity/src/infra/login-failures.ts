import type { Pool } from '@strongbox/postgres';
import type { FailureHistory } from '../domain/throttle.ts';

/**
 * Failures inside the window for the pair, the account and the address, read in one round trip; the
 * attempt's own row (`exceptId`) is left out, so what is judged is the history before it.
 */
export async function failureHistory(
  pool: Pool,
  emailNormalized: string,
  ip: string,
  since: Date,
  exceptId: string,
): Promise<FailureHistory> {
  const { rows } = await pool.query<{
    account: number;
    pair: number;
    pair_last: Date | null;
    address: number;
    address_last: Date | null;
  }>(
    `select
       count(*) filter (where email_normalized = $1)::int as account,
       count(*) filter (where email_normalized = $1 and ip = $2)::int as pair,
       max(at) filter (where email_normalized = $1 and ip = $2) as pair_last,
       count(*) filter (where ip = $2)::int as address,
       max(at) filter (where ip = $2) as address_last
     from login_failures
     where (email_normalized = $1 or ip = $2) and at > $3 and id <> $4`,
    [emailNormalized, ip, since, exceptId],
  );
  const r = rows[0];
  return {
    account: r?.account ?? 0,
    pair: { count: r?.pair ?? 0, lastAt: r?.pair_last ?? null },
    address: { count: r?.address ?? 0, lastAt: r?.address_last ?? null },
  };
}

/**
 * Records an attempt as a failure and forgets this account's and address's failures that fell out of the
 * window, so the table stays small. Answers the row's id, so a refused attempt can be taken back.
 */
export async function recordFailure(
  pool: Pool,
  emailNormalized: string,
  ip: string,
  at: Date,
  since: Date,
): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `with pruned as (delete from login_failures where (email_normalized = $1 or ip = $2) and at <= $4)
     insert into login_failures (email_normalized, ip, at) values ($1, $2, $3) returning id::text`,
    [emailNormalized, ip, at, since],
  );
  return (rows[0] as { id: string }).id;
}

/** An attempt refused by the throttle is no failure: it must not lengthen anyone's wait. */
export async function forgetAttempt(pool: Pool, id: string): Promise<void> {
  await pool.query('delete from login_failures where id = $1', [id]);
}

/**
 * A successful login forgives the failures of its pair only: the account's count from other addresses
 * (someone else guessing) and the address's count over other accounts stay.
 */
export async function clearPairFailures(pool: Pool, emailNormalized: string, ip: string): Promise<void> {
  await pool.query('delete from login_failures where email_normalized = $1 and ip = $2', [
    emailNormalized,
    ip,
  ]);
}
