import type { Endpoint } from './endpoint.ts';

/**
 * Secret rotation: the new secret signs at once, and the previous one keeps signing beside it until the
 * grace period ends, so receivers can switch at their own pace (Standard Webhooks allows several
 * space-separated signatures). Rotating again within the grace period drops the older previous secret.
 */
export const ROTATION_GRACE_MS_DEFAULT = 24 * 60 * 60 * 1000;
export const ROTATION_GRACE_MS_MAX = 7 * 24 * 60 * 60 * 1000;

type Secrets = Pick<Endpoint, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>;

/** The secrets that sign a delivery made at `now`: the current one first, then the previous one in its grace. */
export function signingSecrets(e: Secrets, now: Date): string[] {
  const previousValid =
    e.previousSecret !== null &&
    e.previousSecretExpiresAt !== null &&
    now.getTime() < e.previousSecretExpiresAt.getTime();
  return previousValid ? [e.secret, e.previousSecret as string] : [e.secret];
}

export function rotated(e: Secrets, next: string, now: Date, graceMs: number): Secrets {
  return {
    secret: next,
    previousSecret: graceMs > 0 ? e.secret : null,
    previousSecretExpiresAt: graceMs > 0 ? new Date(now.getTime() + graceMs) : null,
  };
}
