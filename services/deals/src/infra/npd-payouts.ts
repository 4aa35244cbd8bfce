import { prepared, type Queryable } from '@strongbox/postgres';
import type {
  NpdPayout,
  NpdPayoutChange,
  NpdPayoutStore,
  NpdStage,
  ReceiptCallKind,
} from '../features/self-employed-payouts/ports.ts';
import { paidToRecipientSince } from './recipient-payouts.ts';

/** Starts following a self-employed recipient's payout, once its step has it kept on their virtual account. */
export async function followNpdPayout(
  q: Queryable,
  p: { payoutId: string; dealId: string; milestoneId: string; recipientId: string },
  at: Date,
): Promise<void> {
  await q.query(
    prepared(
      `insert into npd_payouts (payout_id, deal_id, milestone_id, recipient_id, next_attempt_at, created_at,
         updated_at)
       values ($1, $2, $3, $4, $5, $5, $5) on conflict (payout_id) do nothing`,
      [p.payoutId, p.dealId, p.milestoneId, p.recipientId, at],
    ),
  );
}

interface Row {
  payout_id: string;
  deal_id: string;
  milestone_id: string;
  recipient_id: string;
  stage: NpdStage;
  se_call: ReceiptCallKind | null;
  se_correlation_id: string | null;
  registry_id: number | null;
  receipt_asks: number;
  attempts: number;
  created_at: Date;
}

const toPayout = (r: Row): NpdPayout => ({
  payoutId: r.payout_id,
  dealId: r.deal_id,
  milestoneId: r.milestone_id,
  recipientId: r.recipient_id,
  stage: r.stage,
  call: r.se_call && r.se_correlation_id ? { kind: r.se_call, correlationId: r.se_correlation_id } : null,
  registryId: r.registry_id,
  receiptAsks: r.receipt_asks,
  attempts: r.attempts,
  createdAt: r.created_at,
});

export function npdPayoutStore(q: Queryable): NpdPayoutStore {
  return {
    async due(now, limit) {
      const { rows } = await q.query<Row>(
        prepared(
          `select payout_id, deal_id, milestone_id, recipient_id, stage, se_call, se_correlation_id::text,
             registry_id, receipt_asks, attempts, created_at
           from npd_payouts where stage <> 'closed' and next_attempt_at <= $1
           order by next_attempt_at limit $2`,
          [now, limit],
        ),
      );
      return rows.map(toPayout);
    },
    async update(payoutId, c: NpdPayoutChange, next) {
      const call = c.call === undefined ? undefined : c.call;
      await q.query(
        prepared(
          `update npd_payouts set stage = coalesce($2, stage),
             se_call = case when $3 then $4 else se_call end,
             se_correlation_id = case when $3 then $5::uuid else se_correlation_id end,
             registry_id = coalesce($6, registry_id), receipt_asks = coalesce($7, receipt_asks),
             attempts = case when $8 then 0 else attempts + 1 end,
             last_error = case when $8 then null else coalesce($9, last_error) end,
             next_attempt_at = $10, updated_at = now()
           where payout_id = $1`,
          [
            payoutId,
            c.stage ?? null,
            call !== undefined,
            call?.kind ?? null,
            call?.correlationId ?? null,
            c.registryId ?? null,
            c.receiptAsks ?? null,
            c.progressed,
            c.error ?? null,
            next,
          ],
        ),
      );
    },
    paidSince: (recipientId, since) => paidToRecipientSince(q, recipientId, since),
    async inFlight(recipientId, exceptPayoutId) {
      const { rows } = await q.query<{ total: string }>(
        prepared(
          `select coalesce(sum(r.amount), 0)::text as total
           from npd_payouts n join recipient_payouts r on r.payout_id = n.payout_id
           where n.recipient_id = $1 and n.payout_id <> $2 and n.stage = 'paying' and r.status <> 'paid'`,
          [recipientId, exceptPayoutId],
        ),
      );
      return BigInt(rows[0]?.total ?? '0');
    },
  };
}

/** Held payouts and annulled receipts, for the runbook and the operators' queue to come. */
export async function npdPayoutsStuck(q: Queryable): Promise<{ held: number; cancelled: number }> {
  const { rows } = await q.query<{ held: number; cancelled: number }>(
    // Each count reads its partial index only (migration 0009), however many payouts there are.
    `select (select count(*) from recipient_payouts where status = 'held')::int as held,
            (select count(*) from recipient_payouts where receipt_status = 'CANCELED')::int as cancelled`,
  );
  return rows[0] ?? { held: 0, cancelled: 0 };
}
