import type { Queryable } from '@strongbox/postgres';
import type { Transfer } from '../domain/ledger.ts';
import type { PageRequest, TransferWithOwners } from '../ports.ts';
import {
  TRANSFER_COLUMNS_OF_T as T_COLUMNS,
  TRANSFER_COLUMNS,
  type TransferRow,
  toTransfer,
} from './rows.ts';

/** A transfer with the owners of its two accounts, which decide who may see it. */
export async function findTransfer(db: Queryable, id: string): Promise<TransferWithOwners | undefined> {
  const { rows } = await db.query<TransferRow & { debit_owner_id: string; credit_owner_id: string }>(
    `select ${T_COLUMNS}, d.owner_id as debit_owner_id, c.owner_id as credit_owner_id
     from transfers t
     join accounts d on d.id = t.debit_account_id
     join accounts c on c.id = t.credit_account_id
     where t.id = $1`,
    [id],
  );
  const r = rows[0];
  return r
    ? { transfer: toTransfer(r), debitOwnerId: r.debit_owner_id, creditOwnerId: r.credit_owner_id }
    : undefined;
}

/**
 * Newest first. One account's transfers come from its two indexes (as debit and as credit), each read
 * only as far as the page needs; a user's, from those of every account they own.
 */
export async function listTransfers(
  db: Queryable,
  filter: { accountId: string } | { ownerId: string } | { all: true },
  page: PageRequest<string>,
): Promise<Transfer[]> {
  const n = page.limit + 1;
  if ('all' in filter) {
    const { rows } = await db.query<TransferRow>(
      `select ${TRANSFER_COLUMNS} from transfers where ($1::text is null or id < $1) order by id desc limit $2`,
      [page.before, n],
    );
    return rows.map(toTransfer);
  }
  const side = (column: string, where: string) =>
    `(select ${T_COLUMNS} from transfers t ${where.replace('$side', column)}
      and ($2::text is null or t.id < $2) order by t.id desc limit $3)`;
  const where =
    'accountId' in filter ? 'where t.$side = $1' : 'join accounts a on a.id = t.$side where a.owner_id = $1';
  const { rows } = await db.query<TransferRow>(
    `select * from (${side('debit_account_id', where)} union ${side('credit_account_id', where)}) x
     order by id desc limit $3`,
    ['accountId' in filter ? filter.accountId : filter.ownerId, page.before, n],
  );
  return rows.map(toTransfer);
}
