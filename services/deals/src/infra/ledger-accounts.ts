import { prepared, type Queryable } from '@strongbox/postgres';
import type { LedgerSubject } from '../domain/ledger-tasks.ts';

/** The balance account already opened for a subject, if any. */
export async function findLedgerAccount(q: Queryable, subject: LedgerSubject): Promise<string | undefined> {
  const { rows } = await q.query<{ account_id: string }>(
    prepared('select account_id from ledger_accounts where subject = $1', [subject]),
  );
  return rows[0]?.account_id;
}

/**
 * Remembers the account balance opened for a subject. The first one kept wins: two workers opening it at
 * once sent the same Idempotency-Key, so balance answered both with the same account anyway.
 */
export async function keepLedgerAccount(
  q: Queryable,
  subject: LedgerSubject,
  accountId: string,
  at: Date,
): Promise<string> {
  await q.query(
    prepared(
      `insert into ledger_accounts (subject, account_id, opened_at) values ($1, $2, $3)
       on conflict (subject) do nothing`,
      [subject, accountId, at],
    ),
  );
  return (await findLedgerAccount(q, subject)) ?? accountId;
}
