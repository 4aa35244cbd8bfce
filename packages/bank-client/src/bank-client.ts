import { beneficiaryCalls } from './calls/beneficiaries.ts';
import { dealCalls } from './calls/deals.ts';
import { paymentCalls } from './calls/payments.ts';
import { selfEmployedCalls } from './calls/self-employed.ts';
import { type BankClientOptions, bankCore } from './client.ts';

/**
 * A typed client of the bank's nominal-account API, every call under one policy (timeout, retries,
 * breaker, rate limit). Every create takes the caller's Idempotency-Key (a UUID the caller derives from
 * the event that caused the call), so a retry, by this client or by the caller after BankUnavailable,
 * replays the first answer instead of repeating the effect.
 *
 * @example
 * const bank = createBankClient({ baseUrl: config.BANK_URL, token: config.BANK_API_TOKEN });
 * const deal = await bank.createDeal(nominalAccount, keyFromTheEvent);
 */
export function createBankClient(options: BankClientOptions) {
  const core = bankCore(options);
  return {
    ...beneficiaryCalls(core),
    ...dealCalls(core),
    ...paymentCalls(core),
    ...selfEmployedCalls(core),
  };
}

export type BankClient = ReturnType<typeof createBankClient>;
