import type { NpdStatus } from './self-employed.ts';

/**
 * The switches a test or the demo flips under /_sim/. They live in the process (a restart clears them,
 * as a test's setup expects); the bank's own state lives in PostgreSQL.
 */
export interface Faults {
  /** Seed of the draws below, so a run is reproducible. */
  seed: number;
  /** Share (0..1) of bank API calls answered 500: before the call takes effect, or after it did. */
  errorRate: number;
  errorWhen: 'before' | 'after';
  /** Extra milliseconds before each bank API answer. */
  latencyMs: number;
  /** The next this-many bank API calls answer 429 whatever the rate limit says. */
  burst429: number;
  /** The next this-many notifications are dropped (marked delivered, never sent). */
  dropNotifications: number;
  /** The next this-many notifications are sent twice. */
  duplicateNotifications: number;
  /** Every new notification waits this long before its first attempt. */
  notificationDelayMs: number;
  /** Account or card numbers whose payments fail (as closed accounts). */
  failingDetails: Set<string>;
  /** Scoring by INN: stuck in IN_PROGRESS or FAILED. */
  scoring: Map<string, 'stuck' | 'failed'>;
  // Timeouts, reordered notifications and odd incoming payments (see the block at the end of the file).
  /** How long a timed-out call hangs, in the sandbox's time: longer than the client waits. */
  timeoutMs: number;
  /** The next this-many bank API calls hang for timeoutMs. */
  timeoutNext: number;
  /** Share (0..1) of bank API calls that hang for timeoutMs, drawn from the seed. */
  timeoutRate: number;
  /** The hang comes before the call took effect (then 504, nothing done), or after it did. */
  timeoutWhen: 'before' | 'after';
  /** The next this-many notifications are held, then delivered together in `reorderMode` order. */
  reorderNotifications: number;
  reorderMode: 'reverse' | 'shuffle';
  /** Ids of the notifications held so far, in the order they came due (shown, never set from outside). */
  heldNotifications: string[];
  /** The next this-many POST /_sim/incoming payments arrive with an amount other than the one sent. */
  wrongIncomingAmount: number;
  /** The next this-many POST /_sim/incoming payments arrive with a purpose that names nothing. */
  unknownIncomingPurpose: number;
  /** The self-employed API's switches (below). */
  selfEmployed: SelfEmployedFaults;
}

export function noFaults(): Faults {
  return {
    seed: 1,
    errorRate: 0,
    errorWhen: 'before',
    latencyMs: 0,
    burst429: 0,
    dropNotifications: 0,
    duplicateNotifications: 0,
    notificationDelayMs: 0,
    failingDetails: new Set(),
    scoring: new Map(),
    timeoutMs: 30_000,
    timeoutNext: 0,
    timeoutRate: 0,
    timeoutWhen: 'before',
    reorderNotifications: 0,
    reorderMode: 'reverse',
    heldNotifications: [],
    wrongIncomingAmount: 0,
    unknownIncomingPurpose: 0,
    selfEmployed: noSelfEmployedFaults(),
  };
}

// ---- Timeouts, reordered notifications, odd incoming payments ----

/** Whether this call hangs: one of the next `timeoutNext` calls, or drawn at `timeoutRate`. */
export function takesTimeout(f: Faults, random: () => number): boolean {
  if (f.timeoutNext > 0) {
    f.timeoutNext--;
    return true;
  }
  // Drawn only while the switch is on, so turning it on does not shift the other faults' draws before.
  return f.timeoutRate > 0 && random() < f.timeoutRate;
}

/** What one delivery round sends, in order, and what it keeps holding. */
export interface DeliveryPlan {
  readonly send: readonly string[];
  readonly held: readonly string[];
  readonly stillToHold: number;
}

/**
 * The order of one round. While notifications are still to be held, due ones are taken into the held set
 * instead of being sent; once the last one is taken, the whole held set goes out first, reversed or
 * shuffled (from the seed), and the rest of the round follows in its own order.
 */
export function planDelivery(
  due: readonly string[],
  f: Pick<Faults, 'reorderNotifications' | 'reorderMode' | 'heldNotifications'>,
  random: () => number,
): DeliveryPlan {
  const held = [...f.heldNotifications];
  let toHold = f.reorderNotifications;
  const rest: string[] = [];
  for (const id of due) {
    if (toHold > 0) {
      held.push(id);
      toHold--;
    } else rest.push(id);
  }
  if (toHold > 0) return { send: rest, held, stillToHold: toHold };
  return { send: [...permute(held, f.reorderMode, random), ...rest], held: [], stillToHold: 0 };
}

function permute(ids: readonly string[], mode: 'reverse' | 'shuffle', random: () => number): string[] {
  switch (mode) {
    case 'reverse':
      return [...ids].reverse();
    case 'shuffle': {
      // Fisher-Yates from the seeded draw; a shuffle that happens to keep the order is still a valid run.
      const out = [...ids];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [out[i], out[j]] = [out[j] as string, out[i] as string];
      }
      return out;
    }
    default: {
      const unreachable: never = mode;
      throw new Error(`unknown reorder mode ${String(unreachable)}`);
    }
  }
}

/** The purpose an incoming payment gets when it names nothing the platform knows. */
export const UNKNOWN_PURPOSE_PREFIX = 'Payment ';
/** A wrong amount differs from the one sent by 1 kopeck up to a tenth of it. */
export const WRONG_AMOUNT_DIVISOR = 10n;
const DRAW_SCALE = 2 ** 32;

/**
 * An incoming payment as it arrives when a fault says it is odd: a wrong amount (never the one sent,
 * never zero: a payer who typed it wrong, or paid short or twice over) or a purpose with no reference in
 * it (the payer wrote something of their own).
 */
export function distortIncoming(
  sent: { readonly amount: bigint; readonly purpose: string },
  odd: { readonly wrongAmount: boolean; readonly unknownPurpose: boolean },
  random: () => number,
): { amount: bigint; purpose: string } {
  let { amount, purpose } = sent;
  if (odd.wrongAmount) {
    const spanMax = amount / WRONG_AMOUNT_DIVISOR;
    // The draw picks the size (1 kopeck at least), in bigint so no amount passes through a float; a
    // second draw picks short or over, short only while the payment stays above zero.
    const delta = 1n + (BigInt(Math.floor(random() * DRAW_SCALE)) * spanMax) / BigInt(DRAW_SCALE);
    const short = random() < 0.5 && amount > delta;
    amount = short ? amount - delta : amount + delta;
  }
  if (odd.unknownPurpose)
    purpose = `${UNKNOWN_PURPOSE_PREFIX}${String(Math.floor(random() * 1_000_000)).padStart(6, '0')}`;
  return { amount, purpose };
}

/**
 * The self-employed API's switches, kept as plain JSON (INN keys are checked to be digits) so that
 * GET /_sim/faults shows them as they are.
 */
export interface SelfEmployedFaults {
  /** The NPD status the tax service answers for an INN: a waiting registration ends in it, not ACTIVE. */
  npdStatus: Record<string, NpdStatus>;
  /** INNs whose receipts fail to be fiscalized (FISCALIZE_FAILED). */
  fiscalizeFailing: string[];
}

export function noSelfEmployedFaults(): SelfEmployedFaults {
  return { npdStatus: {}, fiscalizeFailing: [] };
}

/** The status a test set for this INN, if any (own keys only: the record is JSON from a request). */
export function npdOverrideOf(f: SelfEmployedFaults, inn: string): NpdStatus | undefined {
  return Object.hasOwn(f.npdStatus, inn) ? f.npdStatus[inn] : undefined;
}
