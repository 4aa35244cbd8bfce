import { createHash, timingSafeEqual } from 'node:crypto';
import { httpErrors, type Principal, type TokenVerifier } from '@strongbox/http';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The bank's API takes one shared Bearer token (BANK_API_TOKEN). Compared as SHA-256 digests in constant
 * time, so neither the content nor the length of the token leaks through timing.
 */
export function staticTokenVerifier(token: string): TokenVerifier {
  const expected = digest(token);
  const principal: Principal = {
    sub: 'bank-client',
    roles: ['service'],
    kind: 'service',
    tokenId: 'bank-api-token',
  };
  return {
    async verify(given) {
      if (!timingSafeEqual(digest(given), expected))
        throw httpErrors.invalid_token('The Bearer token is wrong');
      return principal;
    },
  };
}
