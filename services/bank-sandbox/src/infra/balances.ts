import type { Queryable } from '@strongbox/postgres';

export interface Balance {
  readonly beneficiaryId: string;
  readonly amount: bigint;
  readonly amountOnHold: bigint;
}

interface Row {
  beneficiary_id: string;
  amount: bigint;
  amount_on_hold: bigint;
}
const of = (r: Row): Balance => ({
  beneficiaryId: r.beneficiary_id,
  amount: r.amount,
  amountOnHold: r.amount_on_hold,
});

export async function listBalances(
  db: Queryable,
  beneficiaryId: string | undefined,
  limit: number,
): Promise<Balance[]> {
  const { rows } = await db.query<Row>(
    `select * from balances where ($1::uuid is null or beneficiary_id = $1) order by beneficiary_id limit $2`,
    [beneficiaryId ?? null, limit],
  );
  return rows.map(of);
}

/** Balances of these beneficiaries, locked in id order (so two transactions never deadlock on them). */
export async function lockBalances(tx: Queryable, ids: readonly string[]): Promise<Map<string, Balance>> {
  const { rows } = await tx.query<Row>(
    'select * from balances where beneficiary_id = any($1::uuid[]) order by beneficiary_id for update',
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.beneficiary_id, of(r)]));
}

/** Adds to the free amount and to the hold (either may be negative); the CHECKs refuse a negative result. */
export async function moveBalance(
  tx: Queryable,
  id: string,
  amountDelta: bigint,
  holdDelta: bigint,
): Promise<void> {
  await tx.query(
    'update balances set amount = amount + $2, amount_on_hold = amount_on_hold + $3 where beneficiary_id = $1',
    [id, amountDelta, holdDelta],
  );
}
