import type { ReceiptStatus } from '../../domain/deal.ts';

/** A self-employed recipient's payout as the worker follows it (infra/npd-payouts.ts, migration 0009). */
export type NpdStage = 'landing' | 'checking' | 'paying' | 'receipt' | 'watching' | 'closed';

/** The self-employed API's calls that register and read a payout's receipt, in their order. */
export type ReceiptCallKind =
  | 'payment-registry/create'
  | 'payment-registry/submit'
  | 'payment-registry/pay'
  | 'payment-registry/receipts';

export interface NpdPayout {
  readonly payoutId: string;
  readonly dealId: string;
  readonly milestoneId: string;
  readonly recipientId: string;
  readonly stage: NpdStage;
  /** The call in flight and the correlationId its result is read by; null between calls. */
  readonly call: { readonly kind: ReceiptCallKind; readonly correlationId: string } | null;
  readonly registryId: number | null;
  readonly receiptAsks: number;
  /** Attempts of the current stage that could not go on (a hold, an error): the backoff grows with them. */
  readonly attempts: number;
  readonly createdAt: Date;
}

export interface NpdPayoutChange {
  readonly stage?: NpdStage;
  readonly call?: NpdPayout['call'];
  readonly registryId?: number;
  readonly receiptAsks?: number;
  /** True resets the attempts (the stage went on); false adds one. */
  readonly progressed: boolean;
  readonly error?: string | null;
}

/** The worker's table and the records the yearly limit is summed from. */
export interface NpdPayoutStore {
  due(now: Date, limit: number): Promise<NpdPayout[]>;
  update(payoutId: string, change: NpdPayoutChange, nextAttemptAt: Date): Promise<void>;
  /** Paid to the recipient since `since` (completed payouts, by our own records). */
  paidSince(recipientId: string, since: Date): Promise<bigint>;
  /** The recipient's other payouts released from holds and being paid right now. */
  inFlight(recipientId: string, exceptPayoutId: string): Promise<bigint>;
}

export type CallOutcome =
  | { readonly kind: 'pending' }
  /** Done: a registry's id (create), or the payout's receipt as it is now (receipts). */
  | {
      readonly kind: 'done';
      readonly registryId?: number;
      readonly receipt?: {
        readonly status: ReceiptStatus;
        readonly receiptNumber: string | null;
        readonly link: string | null;
      };
    }
  | { readonly kind: 'refused'; readonly reason: string };

export type ReceiptCall =
  | {
      readonly kind: 'payment-registry/create';
      readonly selfEmployedId: number;
      readonly amount: bigint;
      readonly purpose: string;
    }
  | {
      readonly kind: Exclude<ReceiptCallKind, 'payment-registry/create'>;
      readonly registryId: number;
    };

/** What the worker needs of the bank, in its own terms (infra/self-employed-bank.ts over the client). */
export interface SelfEmployedBank {
  /**
   * Where the share is: its step not paid yet (a milestone may wait weeks for the payer), its payment
   * under way, or on the recipient's virtual account.
   */
  landed(p: NpdPayout): Promise<'step_not_paid' | 'in_flight' | 'landed'>;
  /** The recipient's NPD status as the bank's status check answers it today. */
  npdStatus(recipientId: string): Promise<string>;
  /** Pays the share out of the virtual account to the recipient's bank details, under `key`. */
  payOut(p: NpdPayout, amount: bigint, key: string): Promise<void>;
  /** The payout's latest payment out: null before payOut; `known` when deals already acted on that status. */
  payment(p: NpdPayout): Promise<{
    readonly status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
    readonly reason: string | null;
    readonly known: boolean;
    acknowledge(): Promise<void>;
  } | null>;
  /** The recipient's number at the self-employed API once it is ACTIVE there ('pending' while registering). */
  selfEmployedId(recipientId: string, key: (call: string) => string): Promise<number | 'pending'>;
  startCall(call: ReceiptCall, correlationId: string, key: string): Promise<void>;
  callResult(kind: ReceiptCallKind, correlationId: string): Promise<CallOutcome>;
}
