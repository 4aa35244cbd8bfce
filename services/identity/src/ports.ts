import type { Clock } from '@strongbox/kernel';
import type { RoleChange, RoleChangeOutcome } from './domain/roles.ts';
import type { FailureHistory } from './domain/throttle.ts';
import type { User, UserRole } from './domain/user.ts';

export type TotpState = 'none' | 'pending' | 'confirmed';

/** What an access token says (ADR 0005, 0026). */
export interface AccessSubject {
  readonly sub: string;
  readonly roles: readonly string[];
  /** The user has a confirmed authenticator: staff routes answer them. */
  readonly totp?: boolean;
  readonly amr?: readonly string[];
  /** When a code was given (unix seconds): step-up actions accept it for five minutes. */
  readonly otpAt?: number;
  /** Shorter than the default, for step-up tokens. */
  readonly ttlS?: number;
}

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
    /** The user's live logins (one per refresh-token family), newest activity first. */
    sessions(userId: string): Promise<{ familyId: string; createdAt: Date; lastUsedAt: Date }[]>;
    /** Ends one of the user's logins; false when the user has no such family. */
    revokeSession(userId: string, familyId: string): Promise<boolean>;
  };
  readonly totp: {
    state(userId: string): Promise<TotpState>;
    /** A new pending secret (replacing an unconfirmed one); undefined when the user is already enrolled. */
    begin(
      userId: string,
      label: string,
    ): Promise<{ secret: string; otpauthUri: string; qrSvg: string } | undefined>;
    /** Accepts a code of the user's pending or confirmed secret, at most once per time step. */
    acceptCode(userId: string, code: string, of: Exclude<TotpState, 'none'>): Promise<boolean>;
    /** Confirms the pending secret; answers the new recovery codes, or undefined if none was pending. */
    confirm(userId: string): Promise<string[] | undefined>;
    /** Spends one recovery code; false when it is not one of the user's unspent codes. */
    spendRecoveryCode(userId: string, code: string): Promise<boolean>;
    disable(userId: string): Promise<void>;
  };
  readonly accessTokens: {
    issue(subject: AccessSubject): Promise<{ accessToken: string; expiresIn: number }>;
    jwks(): { keys: readonly object[] };
  };
  readonly clients: {
    verify(clientId: string, secret: string): Promise<string | undefined>;
  };
}
