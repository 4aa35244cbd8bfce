import type { Queryable } from '@strongbox/postgres';
import type { PaymentStatus } from '../domain/deal.ts';

export interface PaymentView {
  readonly paymentId: string;
  readonly type: 'REGULAR' | 'DEAL';
  readonly dealId: string | null;
  readonly stepId: string | null;
  readonly recipientId: string | null;
  readonly beneficiaryId: string;
  readonly bankDetailsId: string | null;
  readonly keepOnVirtualAccount: boolean;
  readonly amount: bigint;
  readonly purpose: string;
  readonly status: PaymentStatus;
  readonly failureReason: string | null;
  readonly retryOf: string | null;
  readonly retryPaymentId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface Row {
  id: string;
  kind: 'REGULAR' | 'DEAL';
  deal_id: string | null;
  step_id: string | null;
  recipient_id: string | null;
  beneficiary_id: string;
  bank_details_id: string | null;
  keep_on_virtual_account: boolean;
  amount: bigint;
  purpose: string;
  status: PaymentStatus;
  failure: string | null;
  retry_of: string | null;
  retry_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const view = (r: Row): PaymentView => ({
  paymentId: r.id,
  type: r.kind,
  dealId: r.deal_id,
  stepId: r.step_id,
  recipientId: r.recipient_id,
  beneficiaryId: r.beneficiary_id,
  bankDetailsId: r.bank_details_id,
  keepOnVirtualAccount: r.keep_on_virtual_account,
  amount: r.amount,
  purpose: r.purpose,
  status: r.status,
  failureReason: r.failure,
  retryOf: r.retry_of,
  retryPaymentId: r.retry_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const SELECT = `select p.*, (select n.id from payments n where n.retry_of = p.id) as retry_id from payments p`;

export interface NewPayment {
  readonly id: string;
  readonly kind: 'REGULAR' | 'DEAL';
  readonly dealId?: string | undefined;
  readonly stepId?: string | undefined;
  readonly recipientId?: string | undefined;
  readonly beneficiaryId: string;
  readonly bankDetailsId: string | null;
  readonly keepOnVirtualAccount: boolean;
  readonly amount: bigint;
  readonly purpose: string;
  readonly retryOf?: string | undefined;
  readonly dueAt: Date;
  readonly now: Date;
}

export async function insertPayment(tx: Queryable, p: NewPayment): Promise<void> {
  await tx.query(
    `insert into payments (id, kind, deal_id, step_id, recipient_id, beneficiary_id, bank_details_id, keep_on_virtual_account,
       amount, purpose, status, retry_of, due_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'PENDING', $11, $12, $13, $13)`,
    [
      p.id,
      p.kind,
      p.dealId ?? null,
      p.stepId ?? null,
      p.recipientId ?? null,
      p.beneficiaryId,
      p.bankDetailsId,
      p.keepOnVirtualAccount,
      p.amount,
      p.purpose,
      p.retryOf ?? null,
      p.dueAt,
      p.now,
    ],
  );
}

export async function findPayment(db: Queryable, id: string, lock = false): Promise<PaymentView | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} where p.id = $1${lock ? ' for update of p' : ''}`, [id]);
  return rows[0] ? view(rows[0]) : undefined;
}

/** Payments whose next step is due, locked for this round. */
export async function duePayments(tx: Queryable, now: Date, limit: number): Promise<PaymentView[]> {
  const { rows } = await tx.query<Row>(
    `${SELECT} where p.status in ('PENDING', 'IN_PROGRESS') and p.due_at <= $1 order by p.due_at, p.id limit $2 for update of p skip locked`,
    [now, limit],
  );
  return rows.map(view);
}

export async function setPaymentStatus(
  tx: Queryable,
  id: string,
  status: PaymentStatus,
  change: { failure?: string | undefined; dueAt: Date | null; now: Date },
): Promise<void> {
  await tx.query(
    'update payments set status = $2, failure = $3, due_at = $4, updated_at = $5 where id = $1',
    [id, status, change.failure ?? null, change.dueAt, change.now],
  );
}

/** The newest attempt's status for each recipient of the step. */
export async function stepPaymentStatuses(db: Queryable, stepId: string): Promise<PaymentStatus[]> {
  const { rows } = await db.query<{ status: PaymentStatus }>(
    `select p.status from payments p where p.step_id = $1 and not exists (select 1 from payments n where n.retry_of = p.id)`,
    [stepId],
  );
  return rows.map((r) => r.status);
}

export async function stepStatuses(db: Queryable, dealId: string): Promise<string[]> {
  const { rows } = await db.query<{ status: string }>('select status from steps where deal_id = $1', [
    dealId,
  ]);
  return rows.map((r) => r.status);
}

export async function listStepPayments(db: Queryable, stepId: string): Promise<PaymentView[]> {
  const { rows } = await db.query<Row>(`${SELECT} where p.step_id = $1 order by p.created_at, p.id`, [
    stepId,
  ]);
  return rows.map(view);
}
