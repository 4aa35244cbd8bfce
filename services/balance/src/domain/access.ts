/**
 * Who may see and act on what (brief §6). Staff and services act on any account; a user acts on their
 * own. Anything a caller may not see answers 404, exactly as if it did not exist.
 */
export const PRIVILEGED_ROLES = ['service', 'operator', 'admin'] as const;

export interface Actor {
  readonly sub: string;
  /** A service, operator or admin. */
  readonly privileged: boolean;
}

export function actorOf(principal: { sub: string; roles: readonly string[] }): Actor {
  return {
    sub: principal.sub,
    privileged: principal.roles.some((r) => (PRIVILEGED_ROLES as readonly string[]).includes(r)),
  };
}

/** Seeing an account and debiting it need the same right: owning it, or being staff or a service. */
export function canUseAccount(actor: Actor, ownerId: string): boolean {
  return actor.privileged || actor.sub === ownerId;
}

/** A transfer is visible to the owners of both its accounts and to whoever created it. */
export function canSeeTransfer(
  actor: Actor,
  t: { createdBy: string; debitOwnerId: string; creditOwnerId: string },
): boolean {
  return (
    actor.privileged ||
    actor.sub === t.createdBy ||
    actor.sub === t.debitOwnerId ||
    actor.sub === t.creditOwnerId
  );
}

/**
 * Posting or voiding a pending transfer is for whoever created it (or staff and services): a hold a
 * service placed on a customer's account must not be released by that customer.
 */
export function canResolveTransfer(actor: Actor, t: { createdBy: string }): boolean {
  return actor.privileged || actor.sub === t.createdBy;
}
