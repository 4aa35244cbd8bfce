import {
  type Clock,
  type IdempotentOutcome,
  type IdempotentRequest,
  newId,
  type StoredResponse,
} from '@strongbox/kernel';
import { appendOutbox, type Pool, type Queryable } from '@strongbox/postgres';
import { runIdempotent } from '@strongbox/postgres/idempotent-run';
import type { AccountRecord, Entry } from '../domain/ledger.ts';
import type { NewAccount, PageRequest } from '../ports.ts';
import { accountCreatedEvent } from './events.ts';
import { findKeys, lockKeys } from './ledger-sql.ts';
import { ACCOUNT_RECORD_COLUMNS, type AccountRecordRow, toAccountRecord } from './rows.ts';

/** The key was spent on a transfer, which keeps it in its own row (ADR 0037): another request. */
class KeyKeptByTransfer extends Error {}

/**
 * Opens an account, its `balance.account.created` event and its idempotency record in one transaction.
 * Accounts are created one per request (no group commit): nothing is locked, so nothing would be gained.
 */
export async function createAccount(
  pool: Pool,
  clock: Clock,
  input: NewAccount,
  idempotency: IdempotentRequest,
  render: (a: AccountRecord) => StoredResponse,
): Promise<IdempotentOutcome> {
  try {
    return await openAccountOnce(pool, clock, input, idempotency, render);
  } catch (err) {
    if (err instanceof KeyKeptByTransfer) return { kind: 'mismatch' };
    throw err;
  }
}

function openAccountOnce(
  pool: Pool,
  clock: Clock,
  input: NewAccount,
  idempotency: IdempotentRequest,
  render: (a: AccountRecord) => StoredResponse,
): Promise<IdempotentOutcome> {
  return runIdempotent(pool, clock, idempotency, async (tx, now) => {
    // Under the key's lock, as the group commit takes it, a transfer that keeps this key is either
    // committed and found here, or waits for this transaction and then finds its key.
    await lockKeys(tx, [idempotency]);
    if ((await findKeys(tx, [idempotency], now)).inTransfers.size > 0) throw new KeyKeptByTransfer();
    const account: AccountRecord = {
      id: newId('acc', clock),
      ownerId: input.ownerId,
      currency: input.currency,
      name: input.name,
      allowNegative: input.allowNegative,
      metadata: input.metadata,
      postedDebits: 0n,
      postedCredits: 0n,
      pendingDebits: 0n,
      version: 0n,
      createdAt: now,
    };
    await tx.query(
      `insert into accounts (id, owner_id, currency, name, allow_negative, metadata, trace_id, created_at,
         updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [
        account.id,
        account.ownerId,
        account.currency,
        account.name,
        account.allowNegative,
        account.metadata,
        input.traceId,
        now,
      ],
    );
    await appendOutbox(tx, [accountCreatedEvent(account, input.traceId, clock)]);
    return render(account);
  });
}

export async function findAccount(db: Queryable, id: string): Promise<AccountRecord | undefined> {
  const { rows } = await db.query<AccountRecordRow>(
    `select ${ACCOUNT_RECORD_COLUMNS} from accounts where id = $1`,
    [id],
  );
  return rows[0] ? toAccountRecord(rows[0]) : undefined;
}

/** Newest first; `ownerId: null` lists every account (staff only). */
export async function listAccounts(
  db: Queryable,
  filter: { ownerId: string | null },
  page: PageRequest<string>,
): Promise<AccountRecord[]> {
  const { rows } = await db.query<AccountRecordRow>(
    `select ${ACCOUNT_RECORD_COLUMNS} from accounts
     where ($1::text is null or owner_id = $1) and ($2::text is null or id < $2)
     order by id desc limit $3`,
    [filter.ownerId, page.before, page.limit + 1],
  );
  return rows.map(toAccountRecord);
}

interface EntryRow {
  account_id: string;
  version: bigint;
  transfer_id: string;
  direction: 'debit' | 'credit';
  amount: bigint;
  balance_after: bigint;
  created_at: Date;
}

/** An account's history, newest first, by its primary key (account_id, version). */
export async function listEntries(
  db: Queryable,
  accountId: string,
  page: PageRequest<bigint>,
): Promise<Array<Entry & { createdAt: Date }>> {
  const { rows } = await db.query<EntryRow>(
    `select account_id, version, transfer_id, direction, amount, balance_after, created_at from entries
     where account_id = $1 and ($2::int8 is null or version < $2)
     order by version desc limit $3`,
    [accountId, page.before, page.limit + 1],
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    version: r.version,
    transferId: r.transfer_id,
    direction: r.direction,
    amount: r.amount,
    balanceAfter: r.balance_after,
    createdAt: r.created_at,
  }));
}

/**
 * The balance at an instant: the balance after the account's last entry at or before it (0 before the
 * first). Entry times never decrease along an account's versions (ADR 0010), so "at or before" holds for
 * a prefix of the versions, and a binary search over the primary key finds its end in about log2(version)
 * index probes, with no index on the time (ADR 0038). `ok(v)`: the last entry up to version v, if any, is
 * at or before the instant. lo always satisfies it; each step halves [lo, hi].
 */
export async function balanceAt(db: Queryable, accountId: string, at: Date): Promise<bigint> {
  const { rows } = await db.query<{ balance_after: bigint }>(
    `with recursive search (lo, hi) as (
       select 0::int8, (select version from accounts where id = $1)
       union all
       select case when probe.ok then (s.lo + s.hi + 1) / 2 else s.lo end,
              case when probe.ok then s.hi else (s.lo + s.hi + 1) / 2 - 1 end
       from search s cross join lateral (
         select coalesce((select e.created_at <= $2 from entries e
                          where e.account_id = $1 and e.version <= (s.lo + s.hi + 1) / 2
                          order by e.version desc limit 1), true) as ok) probe
       where s.lo < s.hi
     )
     select e.balance_after from search s cross join lateral (
       select balance_after from entries where account_id = $1 and version <= s.lo
       order by version desc limit 1) e
     where s.lo = s.hi`,
    [accountId, at],
  );
  return rows[0]?.balance_after ?? 0n;
}
