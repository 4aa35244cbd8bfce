import { PAYOUT_HOLD_REASONS, RECEIPT_STATUSES, type Release } from '../domain/deal.ts';
import type { DealEvent } from '../domain/events.ts';
import type { Share, ShareRule } from '../domain/split.ts';

/**
 * Deal events to and from the JSON the event store keeps. Amounts become JSON numbers of minor units (every
 * amount was checked to be at most 2^53 − 1 when the deal was created, so none loses a digit) and times
 * become RFC 3339 strings. The codec is the only place that knows the stored shape, so a stored event
 * always decodes to exactly the event that was appended (a round-trip test holds it to that).
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function encodeEvent(event: DealEvent): { type: string; data: { [key: string]: Json } } {
  return { type: event.type, data: toJson(event) as { [key: string]: Json } };
}

function toJson(value: unknown): Json {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`amount ${value} does not fit a JSON number exactly`);
    return Number(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value as Json;
}

type Obj = Record<string, unknown>;
const big = (v: unknown): bigint => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new TypeError(`stored amount ${String(v)} is not an integer`);
  return BigInt(v);
};
const date = (v: unknown): Date => new Date(String(v));
const str = (v: unknown): string => String(v);
const orNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
function oneOf<T extends string>(values: readonly T[], v: unknown, what: string): T {
  if (!values.includes(v as T)) throw new TypeError(`stored ${what} ${String(v)} is unknown`);
  return v as T;
}

function release(v: Obj): Release {
  switch (v.kind) {
    case 'on_date':
      return { kind: 'on_date', at: date(v.at) };
    case 'hold_hours':
      return { kind: 'hold_hours', hours: Number(v.hours) };
    case 'immediate':
    case 'payer_confirms':
      return { kind: v.kind };
    default:
      throw new TypeError(`stored release ${String(v.kind)} is unknown`);
  }
}

function rule(v: Obj): ShareRule {
  const s = v.share as Obj;
  const share: Share = 'fixed' in s ? { fixed: big(s.fixed) } : { percentBp: Number(s.percentBp) };
  return {
    recipientId: str(v.recipientId),
    share,
    ...(v.minimum === undefined ? {} : { minimum: big(v.minimum) }),
  };
}

const payouts = (v: unknown) =>
  (v as Obj[]).map((p) => ({ id: str(p.id), recipientId: str(p.recipientId), amount: big(p.amount) }));

const milestones = (v: unknown) =>
  (v as Obj[]).map((m) => ({
    id: str(m.id),
    title: str(m.title),
    amount: big(m.amount),
    release: release(m.release as Obj),
    rules: (m.rules as Obj[]).map(rule),
    payouts: payouts(m.payouts),
  }));

export function decodeEvent(type: string, data: unknown): DealEvent {
  const d = data as Obj;
  const at = date(d.at);
  switch (type) {
    case 'deal.created':
      return {
        type,
        at,
        dealId: str(d.dealId),
        title: str(d.title),
        createdBy: str(d.createdBy),
        payerId: str(d.payerId),
        amount: big(d.amount),
        milestones: milestones(d.milestones),
      };
    case 'deal.revised':
      return {
        type,
        at,
        by: str(d.by),
        title: str(d.title),
        payerId: str(d.payerId),
        amount: big(d.amount),
        milestones: milestones(d.milestones),
      };
    case 'deal.submitted':
    case 'deal.completed':
      return { type, at };
    case 'deal.registered_at_bank':
      return { type, at, bankDealId: str(d.bankDealId) };
    case 'deal.funded':
      return { type, at, incomingTransactionId: str(d.incomingTransactionId), amount: big(d.amount) };
    case 'deal.milestone_confirmed':
      return { type, at, milestoneId: str(d.milestoneId), by: str(d.by) };
    case 'deal.milestone_released':
      return { type, at, milestoneId: str(d.milestoneId) };
    case 'deal.payout_completed':
    case 'deal.payout_retried':
      return { type, at, milestoneId: str(d.milestoneId), payoutId: str(d.payoutId) };
    case 'deal.payout_failed':
      return { type, at, milestoneId: str(d.milestoneId), payoutId: str(d.payoutId), reason: str(d.reason) };
    case 'deal.cancelled':
      return { type, at, by: str(d.by), refundAmount: big(d.refundAmount) };
    case 'deal.payout_held':
      return {
        type,
        at,
        milestoneId: str(d.milestoneId),
        payoutId: str(d.payoutId),
        reason: oneOf(PAYOUT_HOLD_REASONS, d.reason, 'hold reason'),
        detail: str(d.detail),
      };
    case 'deal.payout_resumed':
      return { type, at, milestoneId: str(d.milestoneId), payoutId: str(d.payoutId) };
    case 'deal.receipt_updated':
      return {
        type,
        at,
        milestoneId: str(d.milestoneId),
        payoutId: str(d.payoutId),
        status: oneOf(RECEIPT_STATUSES, d.status, 'receipt status'),
        receiptNumber: orNull(d.receiptNumber),
        link: orNull(d.link),
      };
    case 'deal.receipt_cancelled':
      return {
        type,
        at,
        milestoneId: str(d.milestoneId),
        payoutId: str(d.payoutId),
        receiptNumber: orNull(d.receiptNumber),
      };
    case 'deal.disputed':
      return { type, at, disputeId: str(d.disputeId), by: str(d.by), reason: str(d.reason) };
    case 'deal.dispute_resolved': {
      const outcome = str(d.outcome);
      if (outcome !== 'release' && outcome !== 'full_refund' && outcome !== 'partial_refund')
        throw new TypeError(`stored dispute outcome ${outcome} is unknown`);
      return { type, at, disputeId: str(d.disputeId), by: str(d.by), outcome };
    }
    case 'deal.refunded':
      return {
        type,
        at,
        amount: big(d.amount),
        milestones: (d.milestones as Obj[]).map((m) => ({
          milestoneId: str(m.milestoneId),
          amount: big(m.amount),
          payouts: (m.payouts as Obj[]).map((p) => ({ id: str(p.id), amount: big(p.amount) })),
        })),
      };
    case 'deal.refund_needs_operator':
      return { type, at, amount: big(d.amount), reason: str(d.reason) };
    default:
      throw new TypeError(`stored deal event type ${type} is unknown`);
  }
}
