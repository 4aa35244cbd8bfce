import type { Queryable } from '@strongbox/postgres';
import type { DealStatus, DealView, StepStatus, StepView } from '../domain/deal.ts';

/** The deal as the API answers it: the domain's view plus its account and times. */
export type DealRecord = DealView & {
  readonly accountNumber: string;
  readonly createdAt: string;
  readonly updatedAt: string;
};

interface DealRow {
  id: string;
  account_number: string;
  status: DealStatus;
  created_at: Date;
  updated_at: Date;
}

/** The whole deal in four narrow reads; `lock` takes the deal's row for the rest of the transaction. */
export async function loadDeal(db: Queryable, id: string, lock = false): Promise<DealRecord | undefined> {
  const { rows } = await db.query<DealRow>(`select * from deals where id = $1${lock ? ' for update' : ''}`, [
    id,
  ]);
  const d = rows[0];
  if (!d) return undefined;
  const steps = await db.query<{ id: string; position: number; description: string; status: StepStatus }>(
    'select id, position, description, status from steps where deal_id = $1 order by position',
    [id],
  );
  const deponents = await db.query<{ step_id: string; beneficiary_id: string; amount: bigint }>(
    'select d.step_id, d.beneficiary_id, d.amount from deponents d join steps s on s.id = d.step_id where s.deal_id = $1 order by d.beneficiary_id',
    [id],
  );
  const recipients = await db.query<{
    id: string;
    step_id: string;
    beneficiary_id: string;
    amount: bigint;
    purpose: string;
    bank_details_id: string | null;
    keep_on_virtual_account: boolean;
  }>('select r.* from recipients r join steps s on s.id = r.step_id where s.deal_id = $1 order by r.id', [
    id,
  ]);
  const stepViews: StepView[] = steps.rows.map((s) => ({
    stepId: s.id,
    position: s.position,
    description: s.description,
    status: s.status,
    deponents: deponents.rows
      .filter((x) => x.step_id === s.id)
      .map((x) => ({ beneficiaryId: x.beneficiary_id, amount: x.amount })),
    recipients: recipients.rows
      .filter((x) => x.step_id === s.id)
      .map((x) => ({
        recipientId: x.id,
        beneficiaryId: x.beneficiary_id,
        amount: x.amount,
        purpose: x.purpose,
        bankDetailsId: x.bank_details_id,
        keepOnVirtualAccount: x.keep_on_virtual_account,
      })),
  }));
  return {
    dealId: d.id,
    accountNumber: d.account_number,
    status: d.status,
    steps: stepViews,
    createdAt: d.created_at.toISOString(),
    updatedAt: d.updated_at.toISOString(),
  };
}

export async function insertDeal(tx: Queryable, id: string, accountNumber: string, now: Date): Promise<void> {
  await tx.query(
    `insert into deals (id, account_number, status, created_at, updated_at) values ($1, $2, 'DRAFT', $3, $3)`,
    [id, accountNumber, now],
  );
}

export async function setDealStatus(tx: Queryable, id: string, status: DealStatus, now: Date): Promise<void> {
  await tx.query('update deals set status = $2, updated_at = $3 where id = $1', [id, status, now]);
}

export async function deleteDeal(tx: Queryable, id: string): Promise<void> {
  await tx.query('delete from deals where id = $1', [id]);
}

export async function insertStep(
  tx: Queryable,
  s: { id: string; dealId: string; description: string },
): Promise<void> {
  await tx.query(
    `insert into steps (id, deal_id, position, description, status)
     values ($1, $2, (select coalesce(max(position), 0) + 1 from steps where deal_id = $2), $3, 'NEW')`,
    [s.id, s.dealId, s.description],
  );
}

export async function updateStep(
  tx: Queryable,
  dealId: string,
  stepId: string,
  description: string,
): Promise<boolean> {
  const { rowCount } = await tx.query('update steps set description = $3 where deal_id = $1 and id = $2', [
    dealId,
    stepId,
    description,
  ]);
  return rowCount === 1;
}

export async function deleteStep(tx: Queryable, dealId: string, stepId: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from steps where deal_id = $1 and id = $2', [dealId, stepId]);
  return rowCount === 1;
}

export async function setStepStatus(tx: Queryable, stepId: string, status: StepStatus): Promise<void> {
  await tx.query('update steps set status = $2 where id = $1', [stepId, status]);
}

export async function cancelSteps(tx: Queryable, dealId: string): Promise<void> {
  await tx.query(`update steps set status = 'CANCELLED' where deal_id = $1`, [dealId]);
}

export async function upsertDeponent(
  tx: Queryable,
  stepId: string,
  beneficiaryId: string,
  amount: bigint,
): Promise<void> {
  await tx.query(
    `insert into deponents (step_id, beneficiary_id, amount) values ($1, $2, $3)
     on conflict (step_id, beneficiary_id) do update set amount = excluded.amount`,
    [stepId, beneficiaryId, amount],
  );
}

export async function deleteDeponent(tx: Queryable, stepId: string, beneficiaryId: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from deponents where step_id = $1 and beneficiary_id = $2', [
    stepId,
    beneficiaryId,
  ]);
  return rowCount === 1;
}

export async function insertRecipient(
  tx: Queryable,
  r: {
    id: string;
    stepId: string;
    beneficiaryId: string;
    amount: bigint;
    purpose: string;
    bankDetailsId: string | null;
    keepOnVirtualAccount: boolean;
  },
): Promise<void> {
  await tx.query(
    `insert into recipients (id, step_id, beneficiary_id, amount, purpose, bank_details_id, keep_on_virtual_account)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [r.id, r.stepId, r.beneficiaryId, r.amount, r.purpose, r.bankDetailsId, r.keepOnVirtualAccount],
  );
}

export async function deleteRecipient(tx: Queryable, stepId: string, recipientId: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from recipients where step_id = $1 and id = $2', [
    stepId,
    recipientId,
  ]);
  return rowCount === 1;
}

/** Scoring status of each beneficiary (absent ones are missing from the map). */
export async function scoringOf(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; scoring_status: string }>(
    'select id, scoring_status from beneficiaries where id = any($1::uuid[])',
    [[...ids]],
  );
  return new Map(rows.map((r) => [r.id, r.scoring_status]));
}
