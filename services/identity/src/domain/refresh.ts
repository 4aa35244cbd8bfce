/**
 * What presenting a refresh token leads to. Rotation (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14):
 * each token is good once; presenting an already used or revoked one means it was stolen or replayed, so
 * the whole family from that login is revoked.
 */
export interface RefreshTokenState {
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly expiresAt: Date;
}

export type RefreshDecision =
  | { readonly kind: 'rotate' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'reuse' };

export function decideRefresh(state: RefreshTokenState | undefined, now: Date): RefreshDecision {
  if (state === undefined) return { kind: 'unknown' };
  if (state.usedAt !== null || state.revokedAt !== null) return { kind: 'reuse' };
  if (state.expiresAt.getTime() <= now.getTime()) return { kind: 'expired' };
  return { kind: 'rotate' };
}
