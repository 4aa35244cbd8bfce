import { defineErrors } from '@strongbox/kernel';

/**
 * The sandbox's catalogue. Codes are written as the bank writes its `errorCode` (upper snake case); the
 * edge (http/bank-errors.ts) turns each into the bank's shape {errorId, errorMessage, errorCode, errorDetails}.
 */
export const bankErrors = defineErrors({
  VALIDATION_ERROR: { status: 400, title: 'The request is not valid' },
  INVALID_INN: { status: 400, title: 'The INN fails its checksum' },
  INVALID_BANK_DETAILS: { status: 400, title: 'The account number does not match the BIK' },
  INVALID_CARD: { status: 400, title: 'The card number fails its checksum' },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: 'Idempotency-Key (a UUID) is required' },
  UNAUTHORIZED: { status: 401, title: 'The token is missing or wrong' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'The object is not in a state that allows this' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is running' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with another body' },
  UNPROCESSABLE: { status: 422, title: 'The request cannot be carried out' },
  INSUFFICIENT_FUNDS: { status: 422, title: 'Not enough money on the virtual account' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  GATEWAY_TIMEOUT: { status: 504, title: 'The bank did not answer in time' },
});
