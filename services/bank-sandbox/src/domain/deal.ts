/**
 * A safe deal in the nominal account, as pure rules: what each command may do in each state and which
 * money moves. Infra loads a DealView, asks these functions, and writes what they answer.
 */
export type DealStatus = 'DRAFT' | 'ACCEPTED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
export type StepStatus = 'NEW' | 'PAYMENT_IN_PROGRESS' | 'PAYMENT_FAILED' | 'COMPLETED' | 'CANCELLED';
export type PaymentStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface Deponent {
  readonly beneficiaryId: string;
  readonly amount: bigint;
}

export interface Recipient {
  readonly recipientId: string;
  readonly beneficiaryId: string;
  readonly amount: bigint;
  readonly purpose: string;
  readonly bankDetailsId: string | null;
  readonly keepOnVirtualAccount: boolean;
}

export interface StepView {
  readonly stepId: string;
  readonly position: number;
  readonly description: string;
  readonly status: StepStatus;
  readonly deponents: readonly Deponent[];
  readonly recipients: readonly Recipient[];
}

export interface DealView {
  readonly dealId: string;
  readonly status: DealStatus;
  readonly steps: readonly StepView[];
}

export interface Reason {
  readonly code: string;
  readonly description: string;
  readonly details?: Record<string, string>;
}

export type Refusal = {
  readonly ok: false;
  readonly code: 'CONFLICT' | 'UNPROCESSABLE' | 'NOT_FOUND';
  readonly message: string;
};
const refuse = (code: Refusal['code'], message: string): Refusal => ({ ok: false, code, message });

/** What the deal's checks need to know about the world outside it. */
export interface World {
  /** Scoring status of each beneficiary that takes part. */
  readonly scoring: ReadonlyMap<string, string>;
  /** Free money (not on hold) of each beneficiary's virtual account. */
  readonly available: ReadonlyMap<string, bigint>;
}

export function participants(deal: DealView): string[] {
  const ids = new Set<string>();
  for (const s of deal.steps) {
    for (const d of s.deponents) ids.add(d.beneficiaryId);
    for (const r of s.recipients) ids.add(r.beneficiaryId);
  }
  return [...ids];
}

/** Each deponent's total over the deal's steps: what accepting holds. */
export function holdsOf(deal: DealView): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const s of deal.steps)
    for (const d of s.deponents) out.set(d.beneficiaryId, (out.get(d.beneficiaryId) ?? 0n) + d.amount);
  return out;
}

const sum = (xs: ReadonlyArray<{ amount: bigint }>) => xs.reduce((t, x) => t + x.amount, 0n);

/** Why the deal cannot be accepted now (empty when it can): GET /deals/{id}/is-valid. */
export function validate(deal: DealView, world: World): Reason[] {
  const reasons: Reason[] = [];
  if (deal.steps.length === 0) reasons.push({ code: 'NO_STEPS', description: 'The deal has no steps' });
  for (const s of deal.steps) {
    const details = { stepId: s.stepId };
    if (s.deponents.length === 0)
      reasons.push({ code: 'NO_DEPONENTS', description: 'A step has no deponents', details });
    if (s.recipients.length === 0)
      reasons.push({ code: 'NO_RECIPIENTS', description: 'A step has no recipients', details });
    if (sum(s.deponents) !== sum(s.recipients))
      reasons.push({
        code: 'AMOUNTS_MISMATCH',
        description: `The deponents put in ${sum(s.deponents)} kopecks, the recipients get ${sum(s.recipients)}`,
        details,
      });
  }
  for (const id of participants(deal)) {
    const status = world.scoring.get(id);
    if (status !== 'SUCCEEDED')
      reasons.push({
        code: 'BENEFICIARY_NOT_SCORED',
        description: `The beneficiary's scoring is ${status ?? 'unknown'}, not SUCCEEDED`,
        details: { beneficiaryId: id },
      });
  }
  if (deal.status === 'DRAFT') {
    for (const [id, amount] of holdsOf(deal)) {
      if ((world.available.get(id) ?? 0n) < amount)
        reasons.push({
          code: 'INSUFFICIENT_FUNDS',
          description: `The virtual account lacks money for its ${amount} kopecks`,
          details: { beneficiaryId: id },
        });
    }
  }
  return reasons;
}

export function checkEditable(deal: DealView): Refusal | undefined {
  return deal.status === 'DRAFT'
    ? undefined
    : refuse('CONFLICT', `The deal is ${deal.status}; only a DRAFT can be edited`);
}

export function decideDelete(deal: DealView): Refusal | { ok: true } {
  return deal.status === 'DRAFT'
    ? { ok: true }
    : refuse('CONFLICT', `The deal is ${deal.status}; only a DRAFT can be deleted`);
}

/** Accepting holds each deponent's money on its virtual account. */
export function decideAccept(
  deal: DealView,
  world: World,
): Refusal | { ok: true; holds: Map<string, bigint> } {
  if (deal.status !== 'DRAFT')
    return refuse('CONFLICT', `The deal is ${deal.status}; only a DRAFT can be accepted`);
  const reasons = validate(deal, world);
  if (reasons.length > 0) return refuse('UNPROCESSABLE', reasons.map((r) => r.code).join(', '));
  return { ok: true, holds: holdsOf(deal) };
}

const started = (deal: DealView) => deal.steps.some((s) => s.status !== 'NEW');

/** Back to DRAFT for editing, releasing the holds: only before any payout was tried. */
export function decideDraft(deal: DealView): Refusal | { ok: true; releases: Map<string, bigint> } {
  if (deal.status !== 'ACCEPTED' || started(deal))
    return refuse(
      'CONFLICT',
      `The deal is ${deal.status}; only an ACCEPTED deal with no payout yet goes back to DRAFT`,
    );
  return { ok: true, releases: holdsOf(deal) };
}

/** Cancelling releases what accepting held; after a payout attempt a deal cannot be cancelled. */
export function decideCancel(deal: DealView): Refusal | { ok: true; releases: Map<string, bigint> } {
  if (deal.status === 'DRAFT') return { ok: true, releases: new Map() };
  if (deal.status !== 'ACCEPTED' || started(deal))
    return refuse('CONFLICT', `The deal is ${deal.status}; after a payout attempt it cannot be cancelled`);
  return { ok: true, releases: holdsOf(deal) };
}

/** Completing a step takes its deponents' money off hold and starts one payment per recipient. */
export function decideCompleteStep(
  deal: DealView,
  stepId: string,
): Refusal | { ok: true; step: StepView; debits: readonly Deponent[]; payments: readonly Recipient[] } {
  const step = deal.steps.find((s) => s.stepId === stepId);
  if (!step) return refuse('NOT_FOUND', 'Step not found');
  if (deal.status !== 'ACCEPTED' && deal.status !== 'IN_PROGRESS')
    return refuse('CONFLICT', `The deal is ${deal.status}; a step is completed once it is ACCEPTED`);
  if (step.status !== 'NEW') return refuse('CONFLICT', `The step is ${step.status}, not NEW`);
  return { ok: true, step, debits: step.deponents, payments: step.recipients };
}

/** A step's status from its payments' (the newest attempt of each recipient). */
export function stepStatusOf(payments: readonly PaymentStatus[]): StepStatus {
  if (payments.some((p) => p === 'FAILED')) return 'PAYMENT_FAILED';
  if (payments.length > 0 && payments.every((p) => p === 'SUCCEEDED')) return 'COMPLETED';
  return 'PAYMENT_IN_PROGRESS';
}

/** The deal is COMPLETED when every step is; IN_PROGRESS once any step has started. */
export function dealStatusOf(current: DealStatus, steps: readonly StepStatus[]): DealStatus {
  if (current === 'CANCELLED' || current === 'DRAFT') return current;
  if (steps.length > 0 && steps.every((s) => s === 'COMPLETED')) return 'COMPLETED';
  return steps.some((s) => s !== 'NEW') ? 'IN_PROGRESS' : current;
}

/** The next state of a payment when its time comes: PENDING → IN_PROGRESS → SUCCEEDED | FAILED. */
export function nextPaymentStatus(
  status: PaymentStatus,
  failure: string | undefined,
): PaymentStatus | undefined {
  switch (status) {
    case 'PENDING':
      return 'IN_PROGRESS';
    case 'IN_PROGRESS':
      return failure === undefined ? 'SUCCEEDED' : 'FAILED';
    case 'SUCCEEDED':
    case 'FAILED':
    case 'CANCELLED':
      return undefined;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/** A FAILED payment may be retried (after its details changed); the retry is a new payment. */
export function decideRetry(status: PaymentStatus, retriedAlready: boolean): Refusal | { ok: true } {
  if (status !== 'FAILED')
    return refuse('CONFLICT', `The payment is ${status}; only a FAILED payment is retried`);
  if (retriedAlready) return refuse('CONFLICT', 'The payment was already retried; retry the newest attempt');
  return { ok: true };
}
