import { randomUUID } from 'node:crypto';
import type { Clock } from '@strongbox/kernel';
import { SignJWT } from 'jose';
import type { AccessSubject } from '../ports.ts';
import type { KeyRing } from './signing-keys.ts';

export const ACCESS_TOKEN_TTL_S = 15 * 60;

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
}

/** Signs short-lived EdDSA access tokens with the ring's current key; the `kid` lets verifiers pick the key. */
export function accessTokenIssuer(ring: KeyRing, settings: TokenSettings, clock: Clock) {
  return {
    async issue(subject: AccessSubject) {
      const nowS = Math.floor(clock.now().getTime() / 1000);
      const ttlS = Math.min(subject.ttlS ?? ACCESS_TOKEN_TTL_S, ACCESS_TOKEN_TTL_S);
      const accessToken = await new SignJWT({
        roles: [...subject.roles],
        ...(subject.totp === undefined ? {} : { totp: subject.totp }),
        ...(subject.amr ? { amr: [...subject.amr] } : {}),
        ...(subject.otpAt === undefined ? {} : { otp_at: subject.otpAt }),
      })
        .setProtectedHeader({ alg: 'EdDSA', kid: ring.current.kid, typ: 'at+jwt' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(subject.sub)
        .setJti(randomUUID())
        .setIssuedAt(nowS)
        .setExpirationTime(nowS + ttlS)
        .sign(ring.current.privateKey);
      return { accessToken, expiresIn: ttlS };
    },
    jwks: () => ({ keys: ring.published }),
  };
}
