import { createHash, randomInt } from 'node:crypto';
import type { SecretKeys } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import {
  formatRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_CHARS,
  RECOVERY_CODES_PER_USER,
  TOTP_DIGITS,
  TOTP_ISSUER_LABEL,
  TOTP_PERIOD_S,
  TOTP_SECRET_BYTES,
  TOTP_WINDOW_STEPS,
} from '../domain/totp.ts';
import { openTotpSecret, totpSecretColumns } from './totp-secrets.ts';

/** RFC 6238 through otplib (SHA-1, 6 digits, 30 s, as every authenticator app expects). */
export const newTotpSecret = (): string => generateSecret({ length: TOTP_SECRET_BYTES });

export function otpauthUri(secret: string, label: string): string {
  return generateURI({
    issuer: TOTP_ISSUER_LABEL,
    label,
    secret,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
  });
}

export const qrSvg = (uri: string): Promise<string> =>
  QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });

/**
 * The time step a code matches within ±TOTP_WINDOW_STEPS of `nowS`, if it is later than `afterStep`
 * (the last one accepted): a code is good once.
 */
export async function matchStep(
  secret: string,
  code: string,
  nowS: number,
  afterStep: number | null,
): Promise<number | undefined> {
  const result = await verify({
    secret,
    token: code,
    epoch: nowS,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    epochTolerance: TOTP_PERIOD_S * TOTP_WINDOW_STEPS,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

export interface TotpRow {
  readonly secret: string;
  readonly confirmed: boolean;
  readonly lastStep: number | null;
}

/** The user's authenticator, its secret opened (it is stored sealed: totp-secrets.ts). */
export async function loadTotp(
  pool: Pool,
  userId: string,
  keys: SecretKeys | undefined,
): Promise<TotpRow | undefined> {
  const { rows } = await pool.query<{
    secret: string | null;
    secret_sealed: string | null;
    confirmed_at: Date | null;
    last_time_step: string | null;
  }>('select secret, secret_sealed, confirmed_at, last_time_step from user_totp where user_id = $1', [
    userId,
  ]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    secret: openTotpSecret({ plain: r.secret, sealed: r.secret_sealed }, userId, keys),
    confirmed: r.confirmed_at !== null,
    lastStep: r.last_time_step === null ? null : Number(r.last_time_step),
  };
}

/**
 * Stores a new pending secret, sealed under the newest key, replacing an unconfirmed one; false when the
 * user is already enrolled.
 */
export async function beginEnrollment(
  pool: Pool,
  userId: string,
  secret: string,
  at: Date,
  keys: SecretKeys | undefined,
): Promise<boolean> {
  const { plain, sealed } = totpSecretColumns(secret, userId, keys);
  const { rowCount } = await pool.query(
    `insert into user_totp (user_id, secret, secret_sealed, created_at) values ($1, $2, $3, $4)
     on conflict (user_id) do update set secret = excluded.secret, secret_sealed = excluded.secret_sealed,
       created_at = excluded.created_at, last_time_step = null
     where user_totp.confirmed_at is null`,
    [userId, plain, sealed, at],
  );
  return (rowCount ?? 0) > 0;
}

/** Records the step as used; false when it (or a later one) already was: a concurrent or replayed code. */
export async function acceptStep(pool: Pool, userId: string, step: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `update user_totp set last_time_step = $2
     where user_id = $1 and (last_time_step is null or last_time_step < $2)`,
    [userId, step],
  );
  return (rowCount ?? 0) > 0;
}

export const hashRecoveryCode = (code: string): Buffer => createHash('sha256').update(code).digest();

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_CODE_CHARS; i++) code += RECOVERY_CODE_ALPHABET[randomInt(32)];
  return code;
}

/**
 * Confirms the pending secret and replaces the recovery codes, in one transaction; answers the codes
 * as shown to the user (the only time they exist in clear), or undefined if nothing was pending.
 */
export async function confirmEnrollment(pool: Pool, userId: string, at: Date): Promise<string[] | undefined> {
  return await withTransaction(pool, async (tx) => {
    const { rowCount } = await tx.query(
      'update user_totp set confirmed_at = $2 where user_id = $1 and confirmed_at is null',
      [userId, at],
    );
    if ((rowCount ?? 0) === 0) return undefined;
    await tx.query('delete from totp_recovery_codes where user_id = $1', [userId]);
    const codes = Array.from({ length: RECOVERY_CODES_PER_USER }, newRecoveryCode);
    await tx.query(
      `insert into totp_recovery_codes (user_id, code_hash, created_at)
       select $1, h, $3 from unnest($2::bytea[]) h`,
      [userId, codes.map(hashRecoveryCode), at],
    );
    return codes.map(formatRecoveryCode);
  });
}

/** Spends a recovery code (normalized); false when it is unknown or already spent. */
export async function spendRecoveryCode(
  pool: Pool,
  userId: string,
  code: string,
  at: Date,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `update totp_recovery_codes set used_at = $3
     where user_id = $1 and code_hash = $2 and used_at is null`,
    [userId, hashRecoveryCode(code), at],
  );
  return (rowCount ?? 0) > 0;
}

/** Removes the authenticator and its recovery codes: login asks for a password only again. */
export async function removeTotp(pool: Pool, userId: string): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query('delete from totp_recovery_codes where user_id = $1', [userId]);
    await tx.query('delete from user_totp where user_id = $1', [userId]);
  });
}
