import type { Recipient } from './recipient.ts';
import type { ShareRule } from './split.ts';

/**
 * The platform's fee as a recipient of a split. Its payout profile is configured (DEALS_PLATFORM_*), never
 * created by a user: deals keeps it under a reserved user id, and a share names it by the reserved
 * recipient id `platform_fee`, which deals resolves to that profile and gives the configured minimum.
 */
export const PLATFORM_FEE_RECIPIENT_ID = 'platform_fee';
/** The user id the platform's profile is kept under; identity's ids (`usr_` and a UUID) never equal it. */
export const PLATFORM_USER_ID = 'usr_platform';

/** The configured payout profile of the platform (a company) and the least its fee share may be. */
export interface PlatformProfileConfig {
  readonly name: string;
  readonly inn: string;
  readonly accountNumber: string;
  readonly bik: string;
  /** Minor units; 0 means no minimum. */
  readonly feeMinimum: bigint;
}

/** The platform's profile as resolved at start: its recipient id and its fee's minimum. */
export interface PlatformFee {
  readonly recipientId: string;
  readonly minimum: bigint;
}

export type PlatformFeeRejection = 'platform_fee_not_configured' | 'platform_fee_below_minimum';

export type PlatformFeeResolution =
  | { readonly ok: true; readonly rules: ShareRule[] }
  | { readonly ok: false; readonly code: PlatformFeeRejection };

/**
 * Replaces a share naming `platform_fee` by the configured profile's, with the fee's minimum. A share
 * naming the profile's own id is the same fee and gets the same minimum, so it cannot be avoided. A
 * percentage share gets the minimum for split to apply; a fixed one must already be at least the minimum.
 * Without a configured profile, naming the fee is refused.
 *
 * @example
 * resolvePlatformFee([{ recipientId: 'platform_fee', share: { percentBp: 100 } }], { recipientId: 'rcp_p', minimum: 10_000n })
 * // { ok: true, rules: [{ recipientId: 'rcp_p', share: { percentBp: 100 }, minimum: 10_000n }] }
 */
export function resolvePlatformFee(
  rules: readonly ShareRule[],
  fee: PlatformFee | undefined,
): PlatformFeeResolution {
  const resolved: ShareRule[] = [];
  for (const rule of rules) {
    const isFee =
      rule.recipientId === PLATFORM_FEE_RECIPIENT_ID ||
      (fee !== undefined && rule.recipientId === fee.recipientId);
    if (!isFee) {
      resolved.push(rule);
      continue;
    }
    if (!fee) return { ok: false, code: 'platform_fee_not_configured' };
    const { share } = rule;
    if ('fixed' in share) {
      if (share.fixed < fee.minimum) return { ok: false, code: 'platform_fee_below_minimum' };
      resolved.push({ recipientId: fee.recipientId, share });
    } else
      resolved.push({
        recipientId: fee.recipientId,
        share,
        ...(fee.minimum > 0n ? { minimum: fee.minimum } : {}),
      });
  }
  return { ok: true, rules: resolved };
}

/**
 * The platform's profile as deals keeps it: the configured details under the reserved user, a company
 * whose role is the fee. Its id and creation time are the stored profile's once there is one.
 */
export function platformProfile(
  config: PlatformProfileConfig,
  existing: Pick<Recipient, 'id' | 'createdAt'> | undefined,
  newId: () => string,
  now: Date,
): Recipient {
  return {
    id: existing?.id ?? newId(),
    userId: PLATFORM_USER_ID,
    role: 'platform_fee',
    legalType: 'company',
    name: config.name,
    inn: config.inn,
    accountNumber: config.accountNumber,
    bik: config.bik,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
}
