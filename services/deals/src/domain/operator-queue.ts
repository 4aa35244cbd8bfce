import type { DealEvent, DealEventType } from './events.ts';

/**
 * The operators' queue as a pure fold of the deals' events (ADR 0035): which event opens an item that waits
 * for a person, and which later event closes it. The same function serves the live projection (in the
 * command's transaction) and the rebuild, so a rebuilt queue equals the live one.
 *
 * The kinds are an open list: a new kind is a rule in QUEUE_RULES for the event that opens it, and one
 * for each event that closes it. Items from outside the deals' events (reconciliation findings) use the
 * same item shape through infra/operator-queue.ts.
 */
export type QueueKind =
  | 'dispute'
  | 'payout_failed'
  | 'refund_needs_operator'
  /** A self-employed recipient's payout held (NPD status, yearly limit), until resumed or paid. */
  | 'payout_held'
  /** A self-employed recipient's receipt annulled after it was issued. */
  | 'receipt_cancelled'
  /** A reconciliation finding (its own table): opened and closed by reconciliation, not by the deal. */
  | 'reconciliation'
  | (string & {});

/**
 * A reconciliation finding as a queue item. A payer's virtual-account finding names no deal; its item
 * carries the finding's subject (`payer:<user id>`) where a deal id would be.
 */
export function findingQueueItem(f: {
  readonly findingId: string;
  readonly subject: string;
  readonly dealId: string | null;
  readonly kind: string;
  readonly detail: string;
  readonly detectedAt: Date;
}): QueueItem {
  const owner = f.dealId ?? f.subject;
  return {
    itemId: queueItemId(owner, 'reconciliation', f.findingId),
    dealId: owner,
    kind: 'reconciliation',
    reason: `${f.kind}: ${f.detail}`,
    since: f.detectedAt,
  };
}

export interface QueueItem {
  /** `<deal id>/<kind>/<ref>`: one item per thing that waits, so a repeated event opens nothing twice. */
  readonly itemId: string;
  readonly dealId: string;
  readonly kind: QueueKind;
  readonly reason: string;
  readonly since: Date;
}

export type QueueChange =
  | { readonly open: QueueItem }
  | { readonly close: { readonly itemId: string; readonly at: Date } }
  /** Every open item of the deal closes: it has ended (completed or cancelled), nothing waits any more. */
  | { readonly closeDeal: { readonly dealId: string; readonly at: Date } };

export const queueItemId = (dealId: string, kind: QueueKind, ref: string): string =>
  `${dealId}/${kind}/${ref}`;

type Rule<T extends DealEventType> = (e: Extract<DealEvent, { type: T }>, dealId: string) => QueueChange[];
type Rules = { readonly [T in DealEventType]?: Rule<T> };

const open = (dealId: string, kind: QueueKind, ref: string, reason: string, since: Date): QueueChange => ({
  open: { itemId: queueItemId(dealId, kind, ref), dealId, kind, reason, since },
});
const close = (dealId: string, kind: QueueKind, ref: string, at: Date): QueueChange => ({
  close: { itemId: queueItemId(dealId, kind, ref), at },
});

const QUEUE_RULES: Rules = {
  'deal.disputed': (e, dealId) => [open(dealId, 'dispute', e.disputeId, e.reason, e.at)],
  'deal.dispute_resolved': (e, dealId) => [close(dealId, 'dispute', e.disputeId, e.at)],
  'deal.payout_failed': (e, dealId) => [open(dealId, 'payout_failed', e.payoutId, e.reason, e.at)],
  'deal.payout_retried': (e, dealId) => [close(dealId, 'payout_failed', e.payoutId, e.at)],
  'deal.payout_completed': (e, dealId) => [
    close(dealId, 'payout_failed', e.payoutId, e.at),
    close(dealId, 'payout_held', e.payoutId, e.at),
  ],
  'deal.payout_held': (e, dealId) => [
    open(dealId, 'payout_held', e.payoutId, `${e.reason}: ${e.detail}`, e.at),
  ],
  'deal.payout_resumed': (e, dealId) => [close(dealId, 'payout_held', e.payoutId, e.at)],
  // An annulled receipt leaves the recipient's income unreported: a person must see to it. It usually
  // comes after the deal has completed, so the deal's end does not close it; a receipt issued again does.
  'deal.receipt_cancelled': (e, dealId) => [
    open(
      dealId,
      'receipt_cancelled',
      e.payoutId,
      `receipt ${e.receiptNumber ?? '(no number)'} annulled`,
      e.at,
    ),
  ],
  'deal.receipt_updated': (e, dealId) =>
    e.status === 'SUCCESS' ? [close(dealId, 'receipt_cancelled', e.payoutId, e.at)] : [],
  'deal.refund_needs_operator': (e, dealId) => [
    open(dealId, 'refund_needs_operator', 'refund', e.reason, e.at),
  ],
  'deal.completed': (e, dealId) => [{ closeDeal: { dealId, at: e.at } }],
  'deal.cancelled': (e, dealId) => [{ closeDeal: { dealId, at: e.at } }],
};

/**
 * What one event of a deal changes in the queue.
 *
 * @example
 * queueChangesOf('deal_1', { type: 'deal.disputed', disputeId: 'dsp_1', reason: 'no keys', ... })
 * // [{ open: { itemId: 'deal_1/dispute/dsp_1', kind: 'dispute', reason: 'no keys', since, dealId } }]
 */
export function queueChangesOf(dealId: string, event: DealEvent): QueueChange[] {
  const rule = QUEUE_RULES[event.type] as Rule<typeof event.type> | undefined;
  return rule ? rule(event as never, dealId) : [];
}
