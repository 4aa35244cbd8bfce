import type { Clock } from '@strongbox/kernel';
import type { RoleChange, RoleChangeOutcome } from './domain/roles.ts';
import type { FailureHistory } from './domain/throttle.ts';
import type { User, UserRole } from './domain/user.ts';

/**
 * What the use cases need from the outside world. `app.ts` wires these to PostgreSQL, node:crypto and jose;
 * the features only see these shapes.
 */
export interface IdentityPorts {
  readonly clock: Clock;
  readonly users: {
    insert(u: {
      email: string;
      name: string;
      passwordHash: string;
      roles: UserRole[];
      /** The registering request's trace id, kept on the row. */
      traceId: string;
    }): Promise<User | undefined>;
    findById(id: string): Promise<User | undefined>;
    findByEmail(emailNormalized: string): Promise<User | undefined>;
    findCredentials(emailNormalized: string): Promise<{ user: User; passwordHash: string } | undefined>;
    /** Replaces a user's roles and records the change (id and time are filled in by the wiring). */
    changeRoles(c: Omit<RoleChange, 'changeId' | 'at'>): Promise<RoleChangeOutcome>;
  };
  readonly passwords: {
    hash(password: string): Promise<string>;
    verify(password: string, stored: string): Promise<boolean>;
    /** A real hash of nothing, verified when the email is unknown so both failures take the same time. */
    readonly decoyHash: string;
  };
  readonly failures: {
    /** Records the attempt as a failure (before anything is checked) and answers its id. */
    record(emailNormalized: string, ip: string): Promise<string>;
    /** The failures before the attempt `exceptId`, for the pair, the account and the address. */
    history(emailNormalized: string, ip: string, exceptId: string): Promise<FailureHistory>;
    /** Takes back an attempt the throttle refused. */
    forget(id: string): Promise<void>;
    clearPair(emailNormalized: string, ip: string): Promise<void>;
  };
  readonly refreshTokens: {
    /** Starts a new family (a login) and answers its first token. */
    start(userId: string): Promise<string>;
    rotate(
      token: string,
    ): Promise<
      { kind: 'rotated'; userId: string; token: string } | { kind: 'unknown' | 'expired' | 'reuse' }
    >;
    revokeFamily(token: string): Promise<void>;
  };
  readonly accessTokens: {
    issue(subject: {
      sub: string;
      roles: readonly string[];
    }): Promise<{ accessToken: string; expiresIn: number }>;
    jwks(): { keys: readonly object[] };
  };
  readonly clients: {
    verify(clientId: string, secret: string): Promise<string | undefined>;
  };
}
