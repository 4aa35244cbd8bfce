import { isValidAccountForBik, isValidInn } from '@strongbox/kernel';

/**
 * A user's payout profile: who they are to the tax office and where their money goes. Checked here with
 * the same checksums a bank runs (kernel bank-checks), so a payout is never refused for a typo.
 */
export const LEGAL_TYPES = ['individual', 'self_employed', 'sole_proprietor', 'company'] as const;
export type LegalType = (typeof LEGAL_TYPES)[number];
/**
 * What a profile is to a split: the agent, their agency, a lead provider, or the platform's fee. The
 * platform's profile is configured (DEALS_PLATFORM_*), never created by a user, so a user may not claim it.
 */
export const RECIPIENT_ROLES = ['agent', 'agency', 'lead', 'platform_fee'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];
export const USER_RECIPIENT_ROLES = ['agent', 'agency', 'lead'] as const satisfies readonly RecipientRole[];
export const RECIPIENT_NAME_LENGTH_MAX = 300;

export interface Recipient {
  readonly id: string;
  readonly userId: string;
  readonly role: RecipientRole;
  readonly legalType: LegalType;
  readonly name: string;
  readonly inn: string;
  readonly accountNumber: string;
  readonly bik: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The profile at the bank, as its register task left it (absent until stored). */
  readonly bank?: {
    readonly beneficiaryId: string | null;
    readonly scoring: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | null;
    /** A self-employed recipient's NPD status as the bank last answered it, and when; null before. */
    readonly npd?: { readonly status: string; readonly checkedAt: Date } | null;
  };
}

export type RecipientRejection = 'recipient_invalid_inn' | 'recipient_invalid_account';

/**
 * A company's INN has 10 digits; a sole proprietor's, a self-employed person's and an individual's 12 (the
 * kernel's checksum calls those a person's).
 */
export function innKind(legalType: LegalType): 'company' | 'person' {
  return legalType === 'company' ? 'company' : 'person';
}

export function checkRecipient(
  r: Pick<Recipient, 'legalType' | 'inn' | 'accountNumber' | 'bik'>,
): RecipientRejection | undefined {
  if (!isValidInn(r.inn, innKind(r.legalType))) return 'recipient_invalid_inn';
  if (!isValidAccountForBik(r.accountNumber, r.bik)) return 'recipient_invalid_account';
  return undefined;
}

/**
 * Whether saving `next` over the user's profile changes where their payouts go (the account or its bank).
 * That is a step-up action (ADR 0026): a stolen session must not redirect payouts. The first profile, and
 * a change of name or INN alone, are not.
 */
export function changesBankDetails(
  existing: Pick<Recipient, 'accountNumber' | 'bik'> | undefined,
  next: Pick<Recipient, 'accountNumber' | 'bik'>,
): boolean {
  return (
    existing !== undefined && (existing.accountNumber !== next.accountNumber || existing.bik !== next.bik)
  );
}

export function recipientView(r: Recipient) {
  return {
    id: r.id,
    userId: r.userId,
    role: r.role,
    legalType: r.legalType,
    name: r.name,
    inn: r.inn,
    bankDetails: { accountNumber: r.accountNumber, bik: r.bik },
    // Deals naming the profile reach the bank once it is a beneficiary whose scoring SUCCEEDED.
    bank: { registered: (r.bank?.beneficiaryId ?? null) !== null, scoring: r.bank?.scoring ?? null },
    // Only a self-employed recipient has one; a payout to them waits unless the bank answers ACTIVE.
    npdStatus: r.bank?.npd?.status ?? null,
    npdCheckedAt: r.bank?.npd?.checkedAt.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
