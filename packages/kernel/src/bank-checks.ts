/**
 * Checksums a bank runs before it accepts a recipient: the INN's control digits (FNS order), the
 * account number's control key against the BIK (Central Bank regulation 385-P), and Luhn for cards.
 * They live in the kernel because two sides need the same answer: the bank sandbox refuses what a bank
 * would refuse, and deals refuses a payout profile before it ever reaches a bank.
 *
 * @example
 * isValidInn('7707083893', 'company'); // true
 * isValidAccountForBik('40702810500000000001', '044525974'); // true
 */

const digitsOf = (s: string) => [...s].map(Number);
const weighted = (ds: readonly number[], weights: readonly number[]) =>
  weights.reduce((sum, w, i) => sum + w * (ds[i] as number), 0);
const control = (ds: readonly number[], weights: readonly number[]) => (weighted(ds, weights) % 11) % 10;

const INN10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_A = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_B = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/** A company's INN has 10 digits, a person's or an entrepreneur's 12; the last one or two are control digits. */
export function isValidInn(inn: string, kind: 'company' | 'person'): boolean {
  const length = kind === 'company' ? 10 : 12;
  if (!new RegExp(`^\\d{${length}}$`).test(inn)) return false;
  const ds = digitsOf(inn);
  if (length === 10) return control(ds, INN10) === ds[9];
  return control(ds, INN12_A) === ds[10] && control(ds, INN12_B) === ds[11];
}

const ACCOUNT_WEIGHTS = [7, 1, 3];

/**
 * The control key of a 20-digit account with its bank's 9-digit BIK: the BIK's last three digits, then the
 * account, weighted 7,1,3 repeating, must sum to a multiple of 10. (Accounts at a cash settlement centre
 * of the Central Bank use "0" and the BIK's 5th-6th digits instead; the sandbox handles both.)
 */
export function isValidAccountForBik(account: string, bik: string): boolean {
  if (!/^\d{20}$/.test(account) || !/^\d{9}$/.test(bik)) return false;
  const prefix =
    bik.slice(6, 9) === '000' || bik.slice(6, 9) === '001' ? `0${bik.slice(4, 6)}` : bik.slice(6, 9);
  const ds = digitsOf(prefix + account);
  return ds.reduce((sum, d, i) => sum + (((ACCOUNT_WEIGHTS[i % 3] as number) * d) % 10), 0) % 10 === 0;
}

/** Luhn's checksum over 13 to 19 digits. */
export function isValidCardNumber(card: string): boolean {
  if (!/^\d{13,19}$/.test(card)) return false;
  let sum = 0;
  const ds = digitsOf(card).reverse();
  for (let i = 0; i < ds.length; i++) {
    const d = ds[i] as number;
    sum += i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d;
  }
  return sum % 10 === 0;
}

/** Completes an account number's control digit (its 9th) for a BIK: how a valid default is made. */
export function withControlKey(account: string, bik: string): string {
  for (let k = 0; k <= 9; k++) {
    const candidate = `${account.slice(0, 8)}${k}${account.slice(9)}`;
    if (isValidAccountForBik(candidate, bik)) return candidate;
  }
  throw new Error('no control digit fits');
}
