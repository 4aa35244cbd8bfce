import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP } from './auth.ts';

/** A signing key standing in for identity's: tests mint the access tokens a real identity would issue. */
export interface TestKeys {
  /** The public key, as identity's JWKS would publish it. */
  readonly jwk: JWK;
  sign(sub: string, roles: readonly string[]): Promise<string>;
}

/**
 * A fresh Ed25519 key and a signer of access tokens (`typ: at+jwt`, a fresh `jti`, valid for an hour) for
 * the given issuer and audience. For tests only.
 */
export async function testKeys(opts: { issuer: string; audience: string; kid?: string }): Promise<TestKeys> {
  const kid = opts.kid ?? 'test-key';
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
  return {
    jwk,
    sign: (sub, roles) =>
      new SignJWT({ roles: [...roles] })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: ACCESS_TOKEN_TYP })
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setSubject(sub)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
  };
}
