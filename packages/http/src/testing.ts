import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP } from './auth.ts';

/** A signing key standing in for identity's: tests mint the access tokens a real identity would issue. */
export interface TestKeys {
  /** The public key, as identity's JWKS would publish it. */
  readonly jwk: JWK;
  /** `claims` adds to the token what identity may also say, e.g. `{ totp: true, otp_at }` (ADR 0026). */
  sign(sub: string, roles: readonly string[], claims?: Record<string, unknown>): Promise<string>;
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
    sign: (sub, roles, claims = {}) =>
      new SignJWT({ ...claims, roles: [...roles] })
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

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One request over a real connection with node:http, whose header arrays are sent as that many header
 * lines (fetch and Fastify's inject join them into one), to see what a server makes of repeated headers.
 */
export function requestRaw(
  url: string | URL,
  opts: { method: string; headers: OutgoingHttpHeaders; body?: string },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method, headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
