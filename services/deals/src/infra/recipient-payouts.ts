import { prepared, type Queryable } from '@strongbox/postgres';
import type { Deal } from '../domain/deal.ts';

/**
 * The recipients' payouts read model (migration 0009): one row per payout of a deal past its draft, written
 * from the folded deal in the command's transaction, so it never disagrees with the events; the version
 * guard keeps an older fold (a rebuild's snapshot) from overwriting a newer one.
 */
export async function projectRecipientPayouts(tx: Queryable, deal: Deal): Promise<void> {
  // A draft's terms may still change and its recipients are not paid anything yet: nothing to show.
  if (deal.status === 'draft') return;
  const rows = deal.milestones.flatMap((m) =>
    m.payouts
      .filter((p) => p.amount > 0n)
      .map((p) => ({
        payout_id: p.id,
        recipient_id: p.recipientId,
        milestone_id: m.id,
        milestone_title: m.title,
        amount: p.amount.toString(),
        status: p.status,
        failure: p.failure,
        hold_reason: p.hold?.reason ?? null,
        hold_detail: p.hold?.detail ?? null,
        receipt_status: p.receipt?.status ?? null,
        receipt_number: p.receipt?.receiptNumber ?? null,
        receipt_link: p.receipt?.link ?? null,
        paid_at: p.paidAt?.toISOString() ?? null,
      })),
  );
  await tx.query(
    prepared(
      `insert into recipient_payouts (payout_id, recipient_id, deal_id, deal_title, deal_status, milestone_id,
         milestone_title, amount, status, failure, hold_reason, hold_detail, receipt_status, receipt_number,
         receipt_link, paid_at, deal_version, updated_at)
       select r.payout_id, r.recipient_id, $1, $2, $3, r.milestone_id, r.milestone_title, r.amount::bigint,
         r.status, r.failure, r.hold_reason, r.hold_detail, r.receipt_status, r.receipt_number, r.receipt_link,
         r.paid_at, $4, $5
       from jsonb_to_recordset($6::jsonb) as r(payout_id text, recipient_id text, milestone_id text,
         milestone_title text, amount text, status text, failure text, hold_reason text, hold_detail text,
         receipt_status text, receipt_number text, receipt_link text, paid_at timestamptz)
       on conflict (payout_id) do update set deal_title = excluded.deal_title,
         deal_status = excluded.deal_status, amount = excluded.amount, status = excluded.status,
         failure = excluded.failure, hold_reason = excluded.hold_reason, hold_detail = excluded.hold_detail,
         receipt_status = excluded.receipt_status, receipt_number = excluded.receipt_number,
         receipt_link = excluded.receipt_link, paid_at = excluded.paid_at,
         deal_version = excluded.deal_version, updated_at = excluded.updated_at
       where recipient_payouts.deal_version < excluded.deal_version`,
      [deal.id, deal.title, deal.status, deal.version, deal.updatedAt, JSON.stringify(rows)],
    ),
  );
  // A milestone refunded in full has no payouts any more: its rows go.
  await tx.query(
    prepared(
      `delete from recipient_payouts where deal_id = $1 and deal_version <= $2
         and not (payout_id = any($3::text[]))`,
      [deal.id, deal.version, rows.map((r) => r.payout_id)],
    ),
  );
}

export interface RecipientPayoutRow {
  readonly payoutId: string;
  readonly dealId: string;
  readonly dealTitle: string;
  readonly dealStatus: string;
  readonly milestoneId: string;
  readonly milestoneTitle: string;
  readonly amount: bigint;
  readonly status: string;
  readonly failure: string | null;
  readonly hold: { readonly reason: string; readonly detail: string } | null;
  readonly receipt: {
    readonly status: string;
    readonly receiptNumber: string | null;
    readonly link: string | null;
  } | null;
  readonly paidAt: Date | null;
  readonly updatedAt: Date;
}

/** A recipient's payouts, newest first (payout ids are time-ordered), those before `beforeId` only. */
export async function listRecipientPayouts(
  q: Queryable,
  recipientId: string,
  beforeId: string | undefined,
  limit: number,
): Promise<RecipientPayoutRow[]> {
  const { rows } = await q.query<{
    payout_id: string;
    deal_id: string;
    deal_title: string;
    deal_status: string;
    milestone_id: string;
    milestone_title: string;
    amount: string;
    status: string;
    failure: string | null;
    hold_reason: string | null;
    hold_detail: string | null;
    receipt_status: string | null;
    receipt_number: string | null;
    receipt_link: string | null;
    paid_at: Date | null;
    updated_at: Date;
  }>(
    prepared(
      `select payout_id, deal_id, deal_title, deal_status, milestone_id, milestone_title, amount::text,
         status, failure, hold_reason, hold_detail, receipt_status, receipt_number, receipt_link, paid_at,
         updated_at
       from recipient_payouts
       where recipient_id = $1 and ($2::text is null or payout_id < $2)
       order by payout_id desc limit $3`,
      [recipientId, beforeId ?? null, limit],
    ),
  );
  return rows.map((r) => ({
    payoutId: r.payout_id,
    dealId: r.deal_id,
    dealTitle: r.deal_title,
    dealStatus: r.deal_status,
    milestoneId: r.milestone_id,
    milestoneTitle: r.milestone_title,
    amount: BigInt(r.amount),
    status: r.status,
    failure: r.failure,
    hold: r.hold_reason === null ? null : { reason: r.hold_reason, detail: r.hold_detail ?? '' },
    receipt:
      r.receipt_status === null
        ? null
        : { status: r.receipt_status, receiptNumber: r.receipt_number, link: r.receipt_link },
    paidAt: r.paid_at,
    updatedAt: r.updated_at,
  }));
}

/**
 * What a recipient was paid since `since` by our own records (the payouts completed, by their event's
 * time), the basis of the self-employed yearly limit.
 */
export async function paidToRecipientSince(q: Queryable, recipientId: string, since: Date): Promise<bigint> {
  const { rows } = await q.query<{ total: string }>(
    prepared(
      `select coalesce(sum(amount), 0)::text as total from recipient_payouts
       where recipient_id = $1 and status = 'paid' and paid_at >= $2`,
      [recipientId, since],
    ),
  );
  return BigInt(rows[0]?.total ?? '0');
}
