/** How an unidentified incoming payment is split onto virtual accounts. */
export interface Share {
  readonly beneficiaryId: string;
  readonly amount: bigint;
}

export type IdentifyDecision =
  | { readonly ok: true; readonly credits: readonly Share[] }
  | {
      readonly ok: false;
      readonly code: 'CONFLICT' | 'UNPROCESSABLE' | 'NOT_FOUND';
      readonly message: string;
    };

/**
 * Identify credits the payment to the named virtual accounts. The shares must add up to the payment
 * exactly (no money may be left unallocated or invented), each beneficiary must exist, and a payment
 * is identified once.
 */
export function decideIdentify(
  payment: { readonly amount: bigint; readonly identified: boolean },
  shares: readonly Share[],
  knownBeneficiaries: ReadonlySet<string>,
): IdentifyDecision {
  if (payment.identified)
    return { ok: false, code: 'CONFLICT', message: 'The payment is already identified' };
  const unknown = shares.find((s) => !knownBeneficiaries.has(s.beneficiaryId));
  if (unknown)
    return { ok: false, code: 'NOT_FOUND', message: `Beneficiary ${unknown.beneficiaryId} not found` };
  const total = shares.reduce((sum, s) => sum + s.amount, 0n);
  if (total !== payment.amount)
    return {
      ok: false,
      code: 'UNPROCESSABLE',
      message: `The shares add up to ${total} kopecks, the payment is ${payment.amount}`,
    };
  // One credit per beneficiary, so a beneficiary named twice is credited once with the sum.
  const merged = new Map<string, bigint>();
  for (const s of shares) merged.set(s.beneficiaryId, (merged.get(s.beneficiaryId) ?? 0n) + s.amount);
  return { ok: true, credits: [...merged].map(([beneficiaryId, amount]) => ({ beneficiaryId, amount })) };
}
