import { checkAmount } from '../amounts.ts';
import { type BankCore, keyOf, ok } from '../client.ts';
import { IDEMPOTENCY_KEY_PATTERN } from '../transport.ts';
import type {
  NewRegistryPayment,
  NewSelfEmployed,
  NpdStatusAnswer,
  SelfEmployedOperation,
  SelfEmployedRecipient,
} from '../types.ts';

/** The self-employed API; the client's limiter keeps each of its methods at 1 call a second. */
export const SE = '/api/v1/self-employed';

function correlationOf(correlationId: string): string {
  if (typeof correlationId !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(correlationId))
    throw new TypeError(
      'correlationId must be a UUID the caller derives, to poll the result by after a crash',
    );
  return correlationId;
}

/**
 * Payouts to people on the professional income tax (NPD). Every change is asynchronous: the call takes the
 * caller's `correlationId` (a UUID derived from what caused it, like the Idempotency-Key) and answers only
 * that; its outcome is read later with `selfEmployedResult(operation, correlationId)`, which answers the
 * pending shape until the bank is done. Deriving the correlationId lets a caller that crashed between the
 * call and its result find the result again without calling twice.
 */
export function selfEmployedCalls(core: BankCore) {
  const start = (operation: SelfEmployedOperation, body: object, correlationId: string, key: string) =>
    ok<{ correlationId: string }>(core, {
      method: 'POST',
      template: `${SE}/${operation}`,
      body: { correlationId: correlationOf(correlationId), ...body },
      idempotencyKey: keyOf(key),
    });
  return {
    /** The tax service's answer on one INN today (or on `requestDate`, YYYY-MM-DD); a query, not keyed. */
    npdStatus: async (inn: string, requestDate?: string) =>
      ok<NpdStatusAnswer>(core, {
        method: 'POST',
        template: `${SE}/npd-status`,
        body: requestDate === undefined ? { inn } : { inn, requestDate },
      }),
    /** Recipients by INN or id (a query sent as POST, as the bank has it). */
    listSelfEmployed: async (filter: {
      readonly inn?: readonly string[];
      readonly recipientIds?: readonly number[];
    }) =>
      (
        await ok<{ recipients: SelfEmployedRecipient[] }>(core, {
          method: 'POST',
          template: `${SE}/recipients/list`,
          body: filter,
        })
      ).recipients,
    /** Registers people as recipients; their ids are in the result of `recipients/create`. */
    createSelfEmployed: async (recipients: readonly NewSelfEmployed[], correlationId: string, key: string) =>
      start('recipients/create', { recipients }, correlationId, key),
    /** A DRAFT registry of payments; its id is in the result of `payment-registry/create`. */
    createPaymentRegistry: async (
      payments: readonly NewRegistryPayment[],
      correlationId: string,
      key: string,
    ) =>
      start(
        'payment-registry/create',
        { payments: payments.map((p) => ({ ...p, sum: checkAmount(p.sum, 'sum') })) },
        correlationId,
        key,
      ),
    /** Signs a DRAFT registry. */
    submitPaymentRegistry: async (paymentRegistryId: number, correlationId: string, key: string) =>
      start('payment-registry/submit', { paymentRegistryId }, correlationId, key),
    /** Pays a SUBMITTED registry; each paid payment's receipt starts IN_PROGRESS. */
    payPaymentRegistry: async (paymentRegistryId: number, correlationId: string, key: string) =>
      start('payment-registry/pay', { paymentRegistryId }, correlationId, key),
    /** Asks for a paid registry's receipts as they are now (issued, annulled later, failed). */
    requestRegistryReceipts: async (paymentRegistryId: number, correlationId: string, key: string) =>
      start('payment-registry/receipts', { paymentRegistryId }, correlationId, key),
    /** The result of an asynchronous call, or its pending shape while the bank works on it. */
    selfEmployedResult: async <T = Record<string, unknown>>(
      operation: SelfEmployedOperation,
      correlationId: string,
    ) =>
      ok<T>(core, {
        method: 'GET',
        template: `${SE}/${operation}/result`,
        query: { correlationId: correlationOf(correlationId) },
      }),
  };
}
