import { isValidInn } from '@strongbox/kernel';

export const BENEFICIARY_TYPES = [
  'FL_RESIDENT',
  'FL_NONRESIDENT',
  'UL_RESIDENT',
  'UL_NONRESIDENT',
  'IP_RESIDENT',
  'IP_NONRESIDENT',
] as const;
export type BeneficiaryType = (typeof BENEFICIARY_TYPES)[number];

export type ScoringStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

export interface NewBeneficiary {
  readonly type: BeneficiaryType;
  readonly inn?: string | undefined;
  readonly isSelfEmployed?: boolean | undefined;
}

export type Rejection = { readonly code: 'INVALID_INN' | 'VALIDATION_ERROR'; readonly message: string };

/**
 * What the bank checks before it opens a virtual account: residents must have an INN with a valid
 * checksum (10 digits for a company, 12 for a person or an entrepreneur), and only a person can be
 * self-employed.
 */
export function checkBeneficiary(b: NewBeneficiary): Rejection | undefined {
  const person = b.type.startsWith('FL_');
  if (b.isSelfEmployed && !person)
    return { code: 'VALIDATION_ERROR', message: 'isSelfEmployed is only for FL_ beneficiaries' };
  if (b.isSelfEmployed && b.type !== 'FL_RESIDENT')
    return { code: 'VALIDATION_ERROR', message: 'A self-employed beneficiary must be FL_RESIDENT' };
  const resident = b.type.endsWith('_RESIDENT');
  if (b.inn === undefined) {
    return resident ? { code: 'VALIDATION_ERROR', message: 'A resident needs an INN' } : undefined;
  }
  const kind = b.type.startsWith('UL_') ? 'company' : 'person';
  if (!isValidInn(b.inn, kind))
    return {
      code: 'INVALID_INN',
      message: `${b.inn} is not a valid ${kind === 'company' ? '10' : '12'}-digit INN`,
    };
  return undefined;
}

export type ScoringOverride = 'stuck' | 'failed' | undefined;

export interface ScoringOutcome {
  readonly status: ScoringStatus;
  readonly errors: ReadonlyArray<{ code: string; description: string }>;
}

/**
 * The sandbox's scoring rule when its time comes: succeeds unless a test made it fail or stick. A
 * stuck scoring stays IN_PROGRESS (undefined: nothing changes).
 */
export function decideScoring(override: ScoringOverride): ScoringOutcome | undefined {
  switch (override) {
    case 'stuck':
      return undefined;
    case 'failed':
      return {
        status: 'FAILED',
        errors: [{ code: 'SCORING_REJECTED', description: 'The bank declined the beneficiary' }],
      };
    case undefined:
      return { status: 'SUCCEEDED', errors: [] };
    default: {
      const unreachable: never = override;
      return unreachable;
    }
  }
}
