import type { Queryable } from '@strongbox/postgres';
import type { FieldError, NpdStatus, ReceiptStatus } from '../domain/self-employed.ts';

/** Pays one payment (its receipt starts IN_PROGRESS) or refuses it with its errors. */
export async function settleRegistryPayment(
  tx: Queryable,
  registryId: number,
  number: number,
  outcome: { paid: true; receiptDueAt: Date } | { paid: false; errors: FieldError[] },
): Promise<void> {
  await tx.query(
    `update se_registry_payments set status = $3, errors = $4, receipt_status = $5, receipt_due_at = $6
     where registry_id = $1 and number = $2`,
    outcome.paid
      ? [registryId, number, 'EXECUTED', '[]', 'IN_PROGRESS', outcome.receiptDueAt]
      : [registryId, number, 'REJECTED', JSON.stringify(outcome.errors), null, null],
  );
}

/** A receipt whose time has come, with what deciding and notifying it needs. */
export interface DueReceipt {
  readonly registryId: number;
  readonly number: number;
  readonly inn: string;
  readonly npdStatus: NpdStatus;
  readonly sum: bigint;
}

/** Receipts whose time has come, locked for the round. */
export async function dueReceipts(tx: Queryable, now: Date, limit: number): Promise<DueReceipt[]> {
  const { rows } = await tx.query<{
    registry_id: number;
    number: number;
    inn: string;
    npd_status: NpdStatus;
    amount: string;
  }>(
    `select p.registry_id, p.number, r.inn, r.npd_status, p.amount::text as amount
     from se_registry_payments p join se_recipients r on r.id = p.recipient_id
     where p.receipt_status = 'IN_PROGRESS' and p.receipt_due_at <= $1
     order by p.receipt_due_at limit $2 for update of p skip locked`,
    [now, limit],
  );
  return rows.map((r) => ({
    registryId: r.registry_id,
    number: r.number,
    inn: r.inn,
    npdStatus: r.npd_status,
    sum: BigInt(r.amount),
  }));
}

export async function setReceipt(
  tx: Queryable,
  registryId: number,
  number: number,
  receipt: { status: ReceiptStatus; receiptNumber?: string; link?: string; error?: unknown },
): Promise<void> {
  await tx.query(
    `update se_registry_payments set receipt_status = $3, receipt_due_at = null,
       receipt_number = coalesce($4, receipt_number), receipt_link = coalesce($5, receipt_link),
       receipt_error = $6
     where registry_id = $1 and number = $2`,
    [
      registryId,
      number,
      receipt.status,
      receipt.receiptNumber ?? null,
      receipt.link ?? null,
      receipt.error === undefined ? null : JSON.stringify(receipt.error),
    ],
  );
}
