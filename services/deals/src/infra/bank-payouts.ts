import { prepared, type Queryable } from '@strongbox/postgres';

/** A payout as a recipient of its step at the bank, and the bank's latest payment of it. */
export interface PayoutAtBank {
  readonly payoutId: string;
  readonly dealId: string;
  readonly milestoneId: string;
  readonly bankRecipientId: string;
  readonly paymentId: string | null;
  readonly status: string | null;
}

export async function storePayout(
  q: Queryable,
  p: Pick<PayoutAtBank, 'payoutId' | 'dealId' | 'milestoneId' | 'bankRecipientId'> & { kept?: boolean },
): Promise<void> {
  await q.query(
    prepared(
      `insert into bank_payouts (payout_id, deal_id, milestone_id, bank_recipient_id, kept_on_virtual_account)
       values ($1, $2, $3, $4, $5) on conflict (payout_id) do nothing`,
      [p.payoutId, p.dealId, p.milestoneId, p.bankRecipientId, p.kept ?? false],
    ),
  );
}

export async function payoutAtBank(q: Queryable, payoutId: string): Promise<PayoutAtBank | undefined> {
  const { rows } = await q.query<{
    deal_id: string;
    milestone_id: string;
    bank_recipient_id: string;
    payment_id: string | null;
    status: string | null;
  }>(
    prepared(
      `select deal_id, milestone_id, bank_recipient_id, payment_id, status from bank_payouts
       where payout_id = $1`,
      [payoutId],
    ),
  );
  const r = rows[0];
  return r
    ? {
        payoutId,
        dealId: r.deal_id,
        milestoneId: r.milestone_id,
        bankRecipientId: r.bank_recipient_id,
        paymentId: r.payment_id,
        status: r.status,
      }
    : undefined;
}

/** Records the bank's latest payment of a payout and its status, once deals has acted on it. */
export async function storePayment(
  q: Queryable,
  payoutId: string,
  paymentId: string,
  status: string,
): Promise<void> {
  await q.query(
    prepared('update bank_payouts set payment_id = $2, status = $3 where payout_id = $1', [
      payoutId,
      paymentId,
      status,
    ]),
  );
}

/**
 * Steps being paid with a payout not yet SUCCEEDED, least recently polled first: what the follower polls.
 * A self-employed recipient's payout kept on their virtual account is the self-employed worker's, not its.
 */
export async function stepsInFlight(
  q: Queryable,
  limit: number,
): Promise<Array<{ milestoneId: string; dealId: string; bankDealId: string; stepId: string }>> {
  const { rows } = await q.query<{
    milestone_id: string;
    deal_id: string;
    bank_deal_id: string;
    step_id: string;
  }>(
    prepared(
      `select s.milestone_id, s.deal_id, s.bank_deal_id, s.step_id from bank_steps s
       where s.paying_since is not null and exists (
         select 1 from bank_payouts p
         where p.milestone_id = s.milestone_id and p.status is distinct from 'SUCCEEDED'
           and not p.kept_on_virtual_account
       )
       order by s.polled_at nulls first, s.paying_since limit $1`,
      [limit],
    ),
  );
  return rows.map((r) => ({
    milestoneId: r.milestone_id,
    dealId: r.deal_id,
    bankDealId: r.bank_deal_id,
    stepId: r.step_id,
  }));
}

/** The step's payouts the follower follows (not those kept on a virtual account, see stepsInFlight). */
export async function payoutsOfStep(q: Queryable, milestoneId: string): Promise<PayoutAtBank[]> {
  const { rows } = await q.query<{
    payout_id: string;
    deal_id: string;
    bank_recipient_id: string;
    payment_id: string | null;
    status: string | null;
  }>(
    prepared(
      `select payout_id, deal_id, bank_recipient_id, payment_id, status from bank_payouts
       where milestone_id = $1 and not kept_on_virtual_account`,
      [milestoneId],
    ),
  );
  return rows.map((r) => ({
    payoutId: r.payout_id,
    dealId: r.deal_id,
    milestoneId,
    bankRecipientId: r.bank_recipient_id,
    paymentId: r.payment_id,
    status: r.status,
  }));
}

/** The follower asked the bank about the step now. */
export async function markStepPolled(q: Queryable, milestoneId: string): Promise<void> {
  await q.query(prepared('update bank_steps set polled_at = now() where milestone_id = $1', [milestoneId]));
}

/**
 * Every payout of the milestone's step with its recipient at the bank, a self-employed share kept on its
 * virtual account included: what a refund reshapes at the bank (payoutsOfStep leaves kept shares out,
 * as the bank's payments of the step never carry them).
 */
export async function bankRecipientsOfStep(q: Queryable, milestoneId: string): Promise<Map<string, string>> {
  const { rows } = await q.query<{ payout_id: string; bank_recipient_id: string }>(
    prepared('select payout_id, bank_recipient_id from bank_payouts where milestone_id = $1', [milestoneId]),
  );
  return new Map(rows.map((r) => [r.payout_id, r.bank_recipient_id]));
}
