import { USER_ROLES, type User, type UserRole } from './user.ts';

/** Why a role change is refused; each becomes a 4xx problem with this code. */
export type RoleChangeRefusal = 'unknown_role' | 'roles_empty' | 'last_admin_role';

/** A requested change of a user's roles, as the trail records it. */
export interface RoleChange {
  readonly changeId: string;
  readonly userId: string;
  readonly requested: readonly string[];
  /** The admin's user id, or 'cli'. */
  readonly by: string;
  readonly traceId: string | undefined;
  readonly at: Date;
}

export type RoleChangeOutcome =
  | { readonly kind: 'changed' | 'unchanged'; readonly user: User }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'refused'; readonly code: RoleChangeRefusal; readonly detail: string };

export type RoleChangeDecision =
  | { readonly kind: 'change'; readonly roles: readonly UserRole[] }
  | { readonly kind: 'unchanged'; readonly roles: readonly UserRole[] }
  | { readonly kind: 'refused'; readonly code: RoleChangeRefusal; readonly detail: string };

const KNOWN = new Set<string>(USER_ROLES);

/**
 * Decides a role change: the requested set replaces the current one (PUT semantics, so repeating it changes
 * nothing). The set is kept in one canonical order so that equal sets compare equal and the audit trail
 * records no change when there is none. An admin may not take the admin role away from themselves: that is
 * how the last admin locks everyone out, and another admin can always do it deliberately.
 *
 * @example
 * decideRoles(['customer'], ['agent', 'customer'], 'usr_a', 'usr_b') // { kind: 'change', roles: ['customer', 'agent'] }
 */
export function decideRoles(
  current: readonly UserRole[],
  requested: readonly string[],
  userId: string,
  actorId: string,
): RoleChangeDecision {
  const unknown = requested.filter((r) => !KNOWN.has(r));
  if (unknown.length > 0)
    return { kind: 'refused', code: 'unknown_role', detail: `Unknown roles: ${unknown.join(', ')}` };
  const roles = USER_ROLES.filter((r) => requested.includes(r));
  if (roles.length === 0)
    return { kind: 'refused', code: 'roles_empty', detail: 'A user keeps at least one role' };
  if (userId === actorId && current.includes('admin') && !roles.includes('admin'))
    return {
      kind: 'refused',
      code: 'last_admin_role',
      detail: 'An admin cannot remove their own admin role',
    };
  const same = roles.length === current.length && roles.every((r) => current.includes(r));
  return same ? { kind: 'unchanged', roles } : { kind: 'change', roles };
}
