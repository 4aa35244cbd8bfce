import type { Queryable } from '@strongbox/postgres';
import type {
  FieldError,
  NpdStatus,
  ReceiptStatus,
  RegistryPaymentStatus,
  RegistryStatus,
} from '../domain/self-employed.ts';

export interface NewRegistryPayment {
  readonly number: number;
  readonly recipientId: number;
  readonly amount: bigint;
  readonly purpose: string;
}

export async function insertRegistry(
  tx: Queryable,
  payments: readonly NewRegistryPayment[],
  now: Date,
): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into se_registries (status, created_at, updated_at) values ('DRAFT', $1, $1) returning id`,
    [now],
  );
  const id = (rows[0] as { id: number }).id;
  await tx.query(
    `insert into se_registry_payments (registry_id, number, recipient_id, amount, purpose, status)
     select $1, * , 'WAITING' from unnest($2::int[], $3::int[], $4::bigint[], $5::text[])`,
    [
      id,
      payments.map((p) => p.number),
      payments.map((p) => p.recipientId),
      payments.map((p) => p.amount.toString()),
      payments.map((p) => p.purpose),
    ],
  );
  return id;
}

/** A registry payment with its recipient and receipt, as the registry card and the receipts list show it. */
export interface RegistryPaymentView {
  readonly number: number;
  readonly status: RegistryPaymentStatus;
  readonly sum: bigint;
  readonly paymentPurpose: string;
  readonly errors: FieldError[];
  readonly selfEmployedInfo: {
    firstName: string;
    lastName: string;
    middleName: string | null;
    inn: string;
    recipientId: number;
  };
  readonly npdStatus: NpdStatus;
  readonly receipt: {
    status: ReceiptStatus;
    receiptNumber: string | null;
    link: string | null;
    error: unknown;
  } | null;
}

interface PaymentRow {
  number: number;
  status: RegistryPaymentStatus;
  amount: string;
  purpose: string;
  errors: FieldError[];
  recipient_id: number;
  inn: string;
  first_name: string;
  last_name: string;
  middle_name: string | null;
  npd_status: NpdStatus;
  receipt_status: ReceiptStatus | null;
  receipt_number: string | null;
  receipt_link: string | null;
  receipt_error: unknown;
}

const paymentView = (r: PaymentRow): RegistryPaymentView => ({
  number: r.number,
  status: r.status,
  sum: BigInt(r.amount),
  paymentPurpose: r.purpose,
  errors: r.errors,
  selfEmployedInfo: {
    firstName: r.first_name,
    lastName: r.last_name,
    middleName: r.middle_name,
    inn: r.inn,
    recipientId: r.recipient_id,
  },
  npdStatus: r.npd_status,
  receipt: r.receipt_status
    ? {
        status: r.receipt_status,
        receiptNumber: r.receipt_number,
        link: r.receipt_link,
        error: r.receipt_error,
      }
    : null,
});

/** The payments of a registry in their order, `lock` to decide on them (pay). */
export async function registryPayments(
  db: Queryable,
  registryId: number,
  lock = false,
): Promise<RegistryPaymentView[]> {
  const { rows } = await db.query<PaymentRow>(
    `select p.number, p.status, p.amount::text as amount, p.purpose, p.errors, p.recipient_id, r.inn,
            r.first_name, r.last_name, r.middle_name, r.npd_status, p.receipt_status, p.receipt_number,
            p.receipt_link, p.receipt_error
     from se_registry_payments p join se_recipients r on r.id = p.recipient_id
     where p.registry_id = $1 order by p.number ${lock ? 'for update of p' : ''}`,
    [registryId],
  );
  return rows.map(paymentView);
}

export async function registryStatus(
  db: Queryable,
  id: number,
  lock = false,
): Promise<RegistryStatus | undefined> {
  const { rows } = await db.query<{ status: RegistryStatus }>(
    `select status from se_registries where id = $1 ${lock ? 'for update' : ''}`,
    [id],
  );
  return rows[0]?.status;
}

export async function setRegistryStatus(
  tx: Queryable,
  id: number,
  status: RegistryStatus,
  now: Date,
): Promise<void> {
  await tx.query('update se_registries set status = $2, updated_at = $3 where id = $1', [id, status, now]);
}

/** A registry in the list: its payments counted and summed. */
export interface RegistrySummary {
  readonly paymentRegistryId: number;
  readonly date: string;
  readonly count: number;
  readonly sum: bigint;
  readonly status: RegistryStatus;
}

export interface RegistryFilter {
  readonly statuses?: readonly RegistryStatus[] | undefined;
  /** Created on or after this instant, and before `until`. */
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  readonly limit: number;
  readonly offset: number;
}

export async function listRegistries(db: Queryable, f: RegistryFilter): Promise<RegistrySummary[]> {
  const { rows } = await db.query<{
    id: number;
    created_at: Date;
    count: number;
    sum: string;
    status: RegistryStatus;
  }>(
    `select g.id, g.created_at, g.status, count(p.number)::int as count, coalesce(sum(p.amount), 0)::text as sum
     from se_registries g left join se_registry_payments p on p.registry_id = g.id
     where ($1::text[] is null or g.status = any($1)) and ($2::timestamptz is null or g.created_at >= $2)
       and ($3::timestamptz is null or g.created_at < $3)
     group by g.id order by g.id limit $4 offset $5`,
    [f.statuses ?? null, f.since ?? null, f.until ?? null, f.limit, f.offset],
  );
  return rows.map((r) => ({
    paymentRegistryId: r.id,
    date: r.created_at.toISOString(),
    count: r.count,
    sum: BigInt(r.sum),
    status: r.status,
  }));
}
