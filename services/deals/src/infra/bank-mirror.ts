import { prepared, type Queryable } from '@strongbox/postgres';
import type { LegalType } from '../domain/recipient.ts';

/**
 * What deals remembers of its objects at the bank (migration 0007): the beneficiaries behind payout
 * profiles and payers, the steps behind milestones, the recipients and payments behind payouts. A task
 * performed again reads what an earlier attempt stored, and the payout follower knows what to poll.
 */

export interface RecipientAtBank {
  readonly id: string;
  readonly userId: string;
  readonly legalType: LegalType;
  readonly name: string;
  readonly inn: string;
  readonly accountNumber: string;
  readonly bik: string;
  readonly beneficiaryId: string | null;
  readonly bankDetailsId: string | null;
  readonly scoring: string | null;
}

interface RecipientRow {
  recipient_id: string;
  user_id: string;
  legal_type: LegalType;
  name: string;
  inn: string;
  account_number: string;
  bik: string;
  beneficiary_id: string | null;
  bank_details_id: string | null;
  scoring_status: string | null;
}

const toRecipient = (r: RecipientRow): RecipientAtBank => ({
  id: r.recipient_id,
  userId: r.user_id,
  legalType: r.legal_type,
  name: r.name,
  inn: r.inn,
  accountNumber: r.account_number,
  bik: r.bik,
  beneficiaryId: r.beneficiary_id,
  bankDetailsId: r.bank_details_id,
  scoring: r.scoring_status,
});

export async function recipientsAtBank(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, RecipientAtBank>> {
  const { rows } = await q.query<RecipientRow>(
    prepared(
      `select recipient_id, user_id, legal_type, name, inn, account_number, bik, beneficiary_id,
         bank_details_id, scoring_status
       from recipients where recipient_id = any($1::text[])`,
      [ids],
    ),
  );
  return new Map(rows.map((r) => [r.recipient_id, toRecipient(r)]));
}

export async function storeRecipientAtBank(
  q: Queryable,
  recipientId: string,
  at: { beneficiaryId: string; bankDetailsId: string | null; scoring: string },
): Promise<void> {
  await q.query(
    prepared(
      `update recipients set beneficiary_id = $2, bank_details_id = coalesce($3, bank_details_id),
         scoring_status = $4
       where recipient_id = $1`,
      [recipientId, at.beneficiaryId, at.bankDetailsId, at.scoring],
    ),
  );
}

export async function payerBeneficiaryOf(q: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ beneficiary_id: string }>(
    prepared('select beneficiary_id from bank_payers where user_id = $1', [userId]),
  );
  return rows[0]?.beneficiary_id;
}

export async function storePayerBeneficiary(
  q: Queryable,
  userId: string,
  beneficiaryId: string,
  at: Date,
): Promise<void> {
  await q.query(
    prepared(
      `insert into bank_payers (user_id, beneficiary_id, created_at) values ($1, $2, $3)
       on conflict (user_id) do nothing`,
      [userId, beneficiaryId, at],
    ),
  );
}

export interface StepAtBank {
  readonly milestoneId: string;
  readonly dealId: string;
  readonly bankDealId: string;
  readonly stepId: string;
}

export async function storeStep(q: Queryable, s: StepAtBank): Promise<void> {
  await q.query(
    prepared(
      `insert into bank_steps (milestone_id, deal_id, bank_deal_id, step_id) values ($1, $2, $3, $4)
       on conflict (milestone_id) do nothing`,
      [s.milestoneId, s.dealId, s.bankDealId, s.stepId],
    ),
  );
}

export async function stepOf(q: Queryable, milestoneId: string): Promise<StepAtBank | undefined> {
  const { rows } = await q.query<{ deal_id: string; bank_deal_id: string; step_id: string }>(
    prepared('select deal_id, bank_deal_id, step_id from bank_steps where milestone_id = $1', [milestoneId]),
  );
  const r = rows[0];
  return r ? { milestoneId, dealId: r.deal_id, bankDealId: r.bank_deal_id, stepId: r.step_id } : undefined;
}

export async function stepByBankId(q: Queryable, stepId: string): Promise<StepAtBank | undefined> {
  const { rows } = await q.query<{ milestone_id: string; deal_id: string; bank_deal_id: string }>(
    prepared('select milestone_id, deal_id, bank_deal_id from bank_steps where step_id = $1', [stepId]),
  );
  const r = rows[0];
  return r
    ? { milestoneId: r.milestone_id, dealId: r.deal_id, bankDealId: r.bank_deal_id, stepId }
    : undefined;
}

/** The step's payouts are being paid from now on: the payout follower polls them. */
export async function markStepPaying(q: Queryable, milestoneId: string, at: Date): Promise<void> {
  await q.query(
    prepared('update bank_steps set paying_since = coalesce(paying_since, $2) where milestone_id = $1', [
      milestoneId,
      at,
    ]),
  );
}
