import { defineErrors } from '@strongbox/kernel';
import type { DealRejection } from './decide.ts';

/**
 * The deals service's catalogue of expected failures, each a stable code; the HTTP edge turns them into
 * problem documents. Every rejection `decide` and `split` can answer is here (the type below checks it).
 */
export const dealErrors = defineErrors({
  split_no_recipients: { status: 422, title: 'A split needs at least one recipient' },
  split_too_many_recipients: { status: 422, title: 'A split has too many recipients' },
  split_duplicate_recipient: { status: 422, title: 'A recipient appears twice in one split' },
  split_invalid_share: { status: 422, title: 'A share or the amount is out of range' },
  split_fixed_exceeds_amount: { status: 422, title: 'The fixed shares exceed the amount' },
  split_percent_not_100: { status: 422, title: 'The percentage shares do not add up to 100 %' },
  split_fixed_not_equal_amount: { status: 422, title: 'The fixed shares do not add up to the amount' },
  split_minimum_exceeds_amount: { status: 422, title: 'A minimum share does not fit the amount' },
  split_share_rounds_to_zero: { status: 422, title: 'A share would round to nothing' },
  deal_not_found: { status: 404, title: 'No such deal' },
  deal_exists: { status: 409, title: 'The deal already exists' },
  deal_forbidden: { status: 403, title: 'Your role in this deal does not allow this' },
  deal_invalid: { status: 422, title: 'The deal terms are invalid' },
  deal_milestones_sum_mismatch: { status: 422, title: "The milestones do not add up to the deal's amount" },
  deal_payer_is_recipient: { status: 422, title: 'The payer cannot be paid from their own deal' },
  deal_wrong_status: { status: 409, title: 'The deal is not in a status that allows this' },
  deal_disputed: { status: 409, title: 'The deal is disputed' },
  deal_not_cancellable: { status: 409, title: 'The deal can no longer be cancelled' },
  deal_version_conflict: { status: 409, title: 'The deal has changed since the version you sent' },
  milestone_not_found: { status: 404, title: 'No such milestone in this deal' },
  dispute_not_found: { status: 404, title: 'No such open dispute in this deal' },
  milestone_not_confirmable: { status: 409, title: 'The milestone cannot be confirmed' },
  payout_not_found: { status: 404, title: 'No such payout in this deal' },
  payout_not_failed: { status: 409, title: 'The payout has not failed' },
  payout_not_paid: { status: 409, title: 'The payout has not been paid' },
  funding_amount_mismatch: { status: 422, title: "The funding does not match the deal's amount" },
  refund_amount_invalid: { status: 422, title: 'The refund amount is invalid' },
  if_match_required: { status: 428, title: 'Send If-Match with the deal version you last saw' },
  if_match_invalid: { status: 400, title: 'If-Match must be a deal version' },
  recipient_not_found: { status: 422, title: 'A recipient has no payout profile' },
  recipient_profile_not_found: { status: 404, title: 'You have no payout profile yet' },
  recipient_invalid_inn: { status: 422, title: "The INN's check digits do not match" },
  recipient_role_reserved: {
    status: 422,
    title: "The platform's fee recipient is configured, not created by a user",
  },
  platform_fee_not_configured: { status: 422, title: 'This deployment has no platform fee recipient' },
  platform_fee_below_minimum: { status: 422, title: "A fixed platform fee is below the fee's minimum" },
  recipient_invalid_account: {
    status: 422,
    title: "The account number's control key does not match the BIK",
  },
  signature_missing: { status: 401, title: 'The notification is not signed' },
  signature_malformed: { status: 401, title: "The notification's signature is malformed" },
  signature_stale: { status: 401, title: "The notification's timestamp is too far from now" },
  signature_mismatch: { status: 401, title: "The notification's signature does not match" },
  notification_id_missing: { status: 400, title: 'The notification carries no id' },
  payer_required: { status: 400, title: 'Name the payer by payerId or by payerEmail, not both' },
  payer_not_found: { status: 422, title: 'No user has the payer email' },
  identity_unavailable: { status: 503, title: 'Identity could not be asked who the payer is' },
});

export type DealErrorCode = keyof typeof dealErrors;
/** Fails to compile when decide learns a rejection this catalogue does not name. */
type Unmapped = Exclude<DealRejection | 'deal_version_conflict', DealErrorCode>;
export const EVERY_REJECTION_MAPPED: [Unmapped] extends [never] ? true : never = true;
