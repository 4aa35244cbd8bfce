import type { Queryable } from '@strongbox/postgres';

export interface TransferView {
  readonly transferId: string;
  readonly type: 'DIRECT';
  readonly from: { readonly beneficiaryId: string };
  readonly to: { readonly beneficiaryId: string };
  readonly amount: bigint;
  readonly purpose: string;
  readonly status: 'COMPLETED';
  readonly createdAt: string;
}

interface TransferRow {
  id: string;
  type: 'DIRECT';
  from_beneficiary_id: string;
  to_beneficiary_id: string;
  amount: bigint;
  purpose: string;
  created_at: Date;
}

const transferView = (r: TransferRow): TransferView => ({
  transferId: r.id,
  type: r.type,
  from: { beneficiaryId: r.from_beneficiary_id },
  to: { beneficiaryId: r.to_beneficiary_id },
  amount: r.amount,
  purpose: r.purpose,
  status: 'COMPLETED',
  createdAt: r.created_at.toISOString(),
});

export async function insertTransfer(
  tx: Queryable,
  t: { id: string; from: string; to: string; amount: bigint; purpose: string; now: Date },
): Promise<TransferView> {
  const { rows } = await tx.query<TransferRow>(
    `insert into virtual_transfers (id, type, from_beneficiary_id, to_beneficiary_id, amount, purpose, created_at)
     values ($1, 'DIRECT', $2, $3, $4, $5, $6) returning *`,
    [t.id, t.from, t.to, t.amount, t.purpose, t.now],
  );
  return transferView(rows[0] as TransferRow);
}

export async function findTransfer(db: Queryable, id: string): Promise<TransferView | undefined> {
  const { rows } = await db.query<TransferRow>('select * from virtual_transfers where id = $1', [id]);
  return rows[0] ? transferView(rows[0]) : undefined;
}

/** Transfers from or to the beneficiary (all of them without one), oldest first. */
export async function listTransfers(
  db: Queryable,
  beneficiaryId: string | undefined,
  limit: number,
  offset: number,
): Promise<TransferView[]> {
  const { rows } = await db.query<TransferRow>(
    `select * from virtual_transfers
     where $1::uuid is null or from_beneficiary_id = $1 or to_beneficiary_id = $1
     order by created_at, id limit $2 offset $3`,
    [beneficiaryId ?? null, limit, offset],
  );
  return rows.map(transferView);
}

export interface HoldView {
  readonly beneficiaryId: string;
  readonly dealId: string;
  readonly stepId: string;
  readonly amount: bigint;
}

/**
 * The holds as the balances carry them: accepting a deal holds each deponent's amount of each step, and
 * the hold lasts until the step is completed (its money then pays out) or the deal goes back to DRAFT or
 * is cancelled. So the holds are read from the deals, and they add up to amountOnHold by construction.
 */
export async function listHolds(
  db: Queryable,
  beneficiaryId: string | undefined,
  limit: number,
  offset: number,
): Promise<HoldView[]> {
  const { rows } = await db.query<{
    beneficiary_id: string;
    deal_id: string;
    step_id: string;
    amount: bigint;
  }>(
    `select dp.beneficiary_id, s.deal_id, dp.step_id, dp.amount
     from deponents dp join steps s on s.id = dp.step_id join deals d on d.id = s.deal_id
     where d.status in ('ACCEPTED', 'IN_PROGRESS') and s.status = 'NEW'
       and ($1::uuid is null or dp.beneficiary_id = $1)
     order by dp.beneficiary_id, s.deal_id, s.position limit $2 offset $3`,
    [beneficiaryId ?? null, limit, offset],
  );
  return rows.map((r) => ({
    beneficiaryId: r.beneficiary_id,
    dealId: r.deal_id,
    stepId: r.step_id,
    amount: r.amount,
  }));
}
