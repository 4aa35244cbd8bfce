import type { Clock, SecretKeys } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { IdentityPorts } from '../ports.ts';
import {
  acceptStep,
  beginEnrollment,
  confirmEnrollment,
  loadTotp,
  matchStep,
  newTotpSecret,
  otpauthUri,
  qrSvg,
  removeTotp,
  spendRecoveryCode,
} from './totp.ts';

/** The TOTP port bound to PostgreSQL, otplib, the clock and SECRETS_KEY (secrets sealed at rest). */
export function totpAdapter(pool: Pool, clock: Clock, keys: SecretKeys | undefined): IdentityPorts['totp'] {
  return {
    async state(userId) {
      const row = await loadTotp(pool, userId, keys);
      if (!row) return 'none';
      return row.confirmed ? 'confirmed' : 'pending';
    },
    async begin(userId, label) {
      const secret = newTotpSecret();
      if (!(await beginEnrollment(pool, userId, secret, clock.now(), keys))) return undefined;
      const uri = otpauthUri(secret, label);
      return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
    },
    async acceptCode(userId, code, of) {
      const row = await loadTotp(pool, userId, keys);
      if (!row || row.confirmed !== (of === 'confirmed')) return false;
      const nowS = Math.floor(clock.now().getTime() / 1000);
      const step = await matchStep(row.secret, code, nowS, row.lastStep);
      // The conditional update, not the read above, decides between two uses of one code at once.
      return step !== undefined && (await acceptStep(pool, userId, step));
    },
    confirm: (userId) => confirmEnrollment(pool, userId, clock.now()),
    spendRecoveryCode: (userId, code) => spendRecoveryCode(pool, userId, code, clock.now()),
    disable: (userId) => removeTotp(pool, userId),
  };
}
