/**
 * The TOTP second factor's rules (RFC 6238; ADR 0026). The codes themselves are computed by otplib in
 * infra/totp.ts; what is decided here is which proof a login needs and what a given code looks like.
 */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** Codes one step before or after the current one are accepted, for clocks and slow typing. */
export const TOTP_WINDOW_STEPS = 1;
/** 160-bit secrets, as RFC 4226 recommends and authenticator apps expect. */
export const TOTP_SECRET_BYTES = 20;
export const RECOVERY_CODES_PER_USER = 10;
/** 16 characters of base32 are 80 random bits: too many to guess, so a fast hash stores them safely. */
export const RECOVERY_CODE_CHARS = 16;
export const RECOVERY_CODE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** A step-up token is for the next few actions, not for the session. */
export const STEP_UP_TOKEN_TTL_S = 5 * 60;
export const TOTP_ISSUER_LABEL = 'Strongbox';

export const TOTP_CODE_PATTERN = `^[0-9]{${TOTP_DIGITS}}$`;
/** Dashes and spaces are how the codes are shown and may be typed; case does not matter. */
export const RECOVERY_CODE_PATTERN = '^[A-Za-z2-7 -]{16,24}$';

/** Groups of four for reading out and writing down: `abcd-efgh-ijkl-mnop`. */
export function formatRecoveryCode(raw: string): string {
  return (raw.match(/.{1,4}/g) ?? []).join('-');
}

/** The canonical form a recovery code is hashed in; undefined when it cannot be one. */
export function normalizeRecoveryCode(given: string): string | undefined {
  const code = given.replace(/[\s-]/g, '').toLowerCase();
  if (code.length !== RECOVERY_CODE_CHARS) return undefined;
  return [...code].every((c) => RECOVERY_CODE_ALPHABET.includes(c)) ? code : undefined;
}

/** What a login must still prove after the password was right. */
export type SecondFactorNeed =
  | { readonly kind: 'none' }
  | { readonly kind: 'required' }
  | { readonly kind: 'totp'; readonly code: string }
  | { readonly kind: 'recovery'; readonly code: string };

/**
 * A user without a confirmed authenticator needs nothing more (a code sent anyway is ignored, so clients
 * can always send one); an enrolled user needs a TOTP code or a recovery code.
 */
export function secondFactorNeed(
  enrolled: boolean,
  given: { totpCode?: string | undefined; recoveryCode?: string | undefined },
): SecondFactorNeed {
  if (!enrolled) return { kind: 'none' };
  if (given.totpCode !== undefined) return { kind: 'totp', code: given.totpCode };
  if (given.recoveryCode !== undefined) return { kind: 'recovery', code: given.recoveryCode };
  return { kind: 'required' };
}

/** The `amr` claim (RFC 8176) of a token: a password, and a one-time password when one is enrolled. */
export function authMethods(enrolled: boolean): string[] {
  return enrolled ? ['pwd', 'otp'] : ['pwd'];
}
