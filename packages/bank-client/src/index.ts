export { AMOUNT_FIELDS, AMOUNT_KOPECKS_MAX, decodeBody, encodeBody } from './amounts.ts';
export { type BankClient, createBankClient } from './bank-client.ts';
export type { BankClientOptions } from './client.ts';
export { BANK_CLIENT_CONFIG_FIELDS } from './config.ts';
export {
  BankError,
  type BankErrorBody,
  BankResponseInvalid,
  BankUnavailable,
  type LastFailure,
  type UnavailableReason,
} from './errors.ts';
export {
  BANK_RETRIES_MAX,
  BANK_RETRY_BACKOFF,
  BANK_TIMEOUT_MS,
  type BankClientEvent,
  BREAKER_FAILURES_MAX,
  BREAKER_HALF_OPEN_AFTER_MS,
  RETRY_AFTER_MS_MAX,
} from './policy.ts';
export { BANK_RATE_PER_S, RATE_WAIT_MS_MAX, SELF_EMPLOYED_RATE_PER_S } from './rate-limiter.ts';
export type * from './types.ts';
