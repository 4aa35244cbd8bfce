import type { FieldError } from '@strongbox/kernel';

export const PASSWORD_LENGTH_MIN = 10;
export const PASSWORD_LENGTH_MAX = 128;
const DISTINCT_CHARS_MIN = 5;

/**
 * A small list of passwords that pass the length rule yet are among the first tried by any attacker. NIST
 * SP 800-63B asks for length and a blocklist rather than composition rules, and so do we.
 */
const COMMON = new Set([
  'password123',
  'password1234',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'iloveyou123',
  'letmein1234',
  'administrator',
  'welcome123',
  'passw0rd123',
  'qwerty12345',
  '1q2w3e4r5t',
]);

/**
 * Returns the reasons a password is not acceptable for this account; an empty list means it is fine.
 *
 * @example
 * passwordProblems('correct horse battery', 'a@b.c') // []
 */
export function passwordProblems(password: string, email: string): FieldError[] {
  const field = 'body/password';
  const out: FieldError[] = [];
  const chars = [...password];
  if (chars.length < PASSWORD_LENGTH_MIN)
    out.push({ field, message: `must be at least ${PASSWORD_LENGTH_MIN} characters` });
  if (chars.length > PASSWORD_LENGTH_MAX)
    out.push({ field, message: `must be at most ${PASSWORD_LENGTH_MAX} characters` });
  if (new Set(chars).size < DISTINCT_CHARS_MIN)
    out.push({ field, message: 'uses too few different characters' });
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) out.push({ field, message: 'is a commonly used password' });
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && lower.includes(local))
    out.push({ field, message: 'must not contain the email name' });
  return out;
}

/** Emails compare case-insensitively and without surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
