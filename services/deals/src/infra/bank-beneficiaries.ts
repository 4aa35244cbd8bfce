import type { BankClient, NewBeneficiary } from '@strongbox/bank-client';
import { type Clock, nameBasedUuid } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { BankScoring, KeyFor } from '../features/bank-tasks/ports.ts';
import {
  payerBeneficiaryOf,
  type RecipientAtBank,
  recipientsAtBank,
  storePayerBeneficiary,
  storeRecipientAtBank,
} from './bank-mirror.ts';
import { findRecipientOf, storeNpdStatus } from './recipients.ts';

export interface BeneficiaryDeps {
  readonly pool: Pool;
  readonly bank: BankClient;
  readonly clock: Clock;
}

/**
 * The bank's beneficiary for a payout profile: its type follows the legal type (a company is UL, a sole
 * proprietor IP, a self-employed person or an individual FL, the former marked self-employed).
 */
export function beneficiaryOf(r: Pick<RecipientAtBank, 'legalType' | 'name' | 'inn'>): NewBeneficiary {
  switch (r.legalType) {
    case 'company':
      return { type: 'UL_RESIDENT', inn: r.inn, name: r.name };
    case 'sole_proprietor':
      return { type: 'IP_RESIDENT', inn: r.inn, ...personName(r.name) };
    case 'self_employed':
      return { type: 'FL_RESIDENT', inn: r.inn, isSelfEmployed: true, ...personName(r.name) };
    case 'individual':
      return { type: 'FL_RESIDENT', inn: r.inn, ...personName(r.name) };
    default: {
      const unreachable: never = r.legalType;
      throw new Error(`unknown legal type ${String(unreachable)}`);
    }
  }
}

/** "Last First Middle" as Russian documents write it; a single word is the last name. */
function personName(full: string): { lastName: string; firstName?: string; middleName?: string } {
  const [lastName = full, firstName, ...rest] = full.trim().split(/\s+/);
  return {
    lastName: lastName.slice(0, 100),
    ...(firstName ? { firstName: firstName.slice(0, 100) } : {}),
    ...(rest.length > 0 ? { middleName: rest.join(' ').slice(0, 100) } : {}),
  };
}

/**
 * The register_recipient task: the profile becomes a beneficiary (once; later saves reuse it) and its
 * current bank details are added under this save's key; the scoring is read and stored with them.
 */
export async function registerRecipient(
  deps: BeneficiaryDeps,
  recipientId: string,
  key: KeyFor,
): Promise<{ scoring: BankScoring }> {
  const r = (await recipientsAtBank(deps.pool, [recipientId])).get(recipientId);
  if (!r) throw new Error(`payout profile ${recipientId} does not exist`);
  const beneficiaryId =
    r.beneficiaryId ??
    (await deps.bank.createBeneficiary(beneficiaryOf(r), key('beneficiary'))).beneficiaryId;
  const details = await deps.bank.createBankDetails(
    beneficiaryId,
    { type: 'PAYMENT_DETAILS', accountNumber: r.accountNumber, bik: r.bik },
    key(`bank-details/${r.accountNumber}/${r.bik}`),
  );
  const scoring = (await deps.bank.getScoring(beneficiaryId))?.status ?? 'IN_PROGRESS';
  await storeRecipientAtBank(deps.pool, recipientId, {
    beneficiaryId,
    bankDetailsId: details.bankDetailsId,
    scoring,
  });
  // A self-employed recipient sees their NPD status from the start; the payout job checks it again before
  // each payout, so a failed check here only leaves it unknown for now.
  if (r.legalType === 'self_employed')
    await deps.bank
      .npdStatus(r.inn)
      .then((npd) => storeNpdStatus(deps.pool, recipientId, npd.selfEmployedStatus, deps.clock.now()))
      .catch(() => undefined);
  return { scoring };
}

/**
 * The payer's beneficiary, made on their first deal. A payer with an individual's payout profile is a resident
 * with its INN; one without is registered as a non-resident person, the only type the bank takes without
 * an INN (deals knows no payer's INN otherwise). Its key names the user and what is sent, so two deals of
 * one payer registered at once make one beneficiary.
 */
export async function payerBeneficiary(deps: BeneficiaryDeps, userId: string): Promise<string> {
  const known = await payerBeneficiaryOf(deps.pool, userId);
  if (known) return known;
  const profile = await findRecipientOf(deps.pool, userId);
  const payer: NewBeneficiary =
    profile && profile.legalType === 'individual'
      ? { type: 'FL_RESIDENT', inn: profile.inn, ...personName(profile.name) }
      : { type: 'FL_NONRESIDENT', lastName: userId.slice(0, 100) };
  const made = await deps.bank.createBeneficiary(
    payer,
    nameBasedUuid(`payer-beneficiary\n${userId}\n${payer.type}\n${payer.inn ?? ''}`),
  );
  await storePayerBeneficiary(deps.pool, userId, made.beneficiaryId, deps.clock.now());
  return (await payerBeneficiaryOf(deps.pool, userId)) ?? made.beneficiaryId;
}
