export const USER_ROLES = ['customer', 'agent', 'operator', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly roles: readonly UserRole[];
  readonly createdAt: Date;
}

/** The public shape of a user; the password hash never leaves the service. */
export function userView(u: User) {
  return { id: u.id, email: u.email, name: u.name, roles: u.roles, createdAt: u.createdAt.toISOString() };
}
