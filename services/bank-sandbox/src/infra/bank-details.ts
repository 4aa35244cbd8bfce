import type { Queryable } from '@strongbox/postgres';

export interface BankDetailsView {
  readonly bankDetailsId: string;
  readonly beneficiaryId: string;
  readonly type: 'PAYMENT_DETAILS' | 'CARD';
  readonly isDefault: boolean;
  readonly createdAt: string;
  readonly [field: string]: unknown;
}

interface Row {
  id: string;
  beneficiary_id: string;
  type: 'PAYMENT_DETAILS' | 'CARD';
  details: Record<string, unknown>;
  is_default: boolean;
  created_at: Date;
}

const view = (r: Row): BankDetailsView => {
  // A card is shown masked, as a bank shows it; the full number is kept for the failing-details fault.
  const { cardNumber, ...rest } = r.details;
  return {
    bankDetailsId: r.id,
    beneficiaryId: r.beneficiary_id,
    type: r.type,
    isDefault: r.is_default,
    ...rest,
    ...(typeof cardNumber === 'string'
      ? { cardNumberMask: `${cardNumber.slice(0, 6)}******${cardNumber.slice(-4)}` }
      : {}),
    createdAt: r.created_at.toISOString(),
  };
};

/** The first bank details of a beneficiary become the default. */
export async function insertBankDetails(
  tx: Queryable,
  d: { id: string; beneficiaryId: string; type: 'PAYMENT_DETAILS' | 'CARD'; details: object; now: Date },
): Promise<BankDetailsView> {
  await tx.query('select id from beneficiaries where id = $1 for update', [d.beneficiaryId]);
  const { rows } = await tx.query<Row>(
    `insert into bank_details (id, beneficiary_id, type, details, is_default, created_at)
     values ($1, $2, $3, $4, not exists (select 1 from bank_details where beneficiary_id = $2 and deleted_at is null), $5)
     returning *`,
    [d.id, d.beneficiaryId, d.type, JSON.stringify(d.details), d.now],
  );
  return view(rows[0] as Row);
}

export async function listBankDetails(db: Queryable, beneficiaryId: string): Promise<BankDetailsView[]> {
  const { rows } = await db.query<Row>(
    'select * from bank_details where beneficiary_id = $1 and deleted_at is null order by created_at, id',
    [beneficiaryId],
  );
  return rows.map(view);
}

export async function findBankDetails(
  db: Queryable,
  beneficiaryId: string,
  id: string,
): Promise<BankDetailsView | undefined> {
  const { rows } = await db.query<Row>(
    'select * from bank_details where beneficiary_id = $1 and id = $2 and deleted_at is null',
    [beneficiaryId, id],
  );
  return rows[0] ? view(rows[0]) : undefined;
}

/** The account or card number a payment goes to, for the failing-details fault. */
export async function detailsNumber(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ n: string | null }>(
    `select coalesce(details->>'accountNumber', details->>'cardNumber') as n from bank_details where id = $1 and deleted_at is null`,
    [id],
  );
  return rows[0]?.n ?? undefined;
}

export async function setDefaultBankDetails(
  tx: Queryable,
  beneficiaryId: string,
  id: string,
): Promise<boolean> {
  await tx.query('select id from beneficiaries where id = $1 for update', [beneficiaryId]);
  const { rowCount } = await tx.query(
    'select 1 from bank_details where beneficiary_id = $1 and id = $2 and deleted_at is null',
    [beneficiaryId, id],
  );
  if (rowCount !== 1) return false;
  await tx.query('update bank_details set is_default = false where beneficiary_id = $1 and is_default', [
    beneficiaryId,
  ]);
  await tx.query('update bank_details set is_default = true where id = $1', [id]);
  return true;
}

/** Deleting the default hands the default to the oldest remaining details. */
export async function deleteBankDetails(
  tx: Queryable,
  beneficiaryId: string,
  id: string,
  now: Date,
): Promise<boolean> {
  await tx.query('select id from beneficiaries where id = $1 for update', [beneficiaryId]);
  const { rowCount } = await tx.query(
    'update bank_details set deleted_at = $3, is_default = false where beneficiary_id = $1 and id = $2 and deleted_at is null',
    [beneficiaryId, id, now],
  );
  if (rowCount !== 1) return false;
  await tx.query(
    `update bank_details set is_default = true where id = (
       select id from bank_details where beneficiary_id = $1 and deleted_at is null order by created_at, id limit 1)
     and not exists (select 1 from bank_details where beneficiary_id = $1 and is_default and deleted_at is null)`,
    [beneficiaryId],
  );
  return true;
}
