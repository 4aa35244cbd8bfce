import type { Queryable } from '@strongbox/postgres';
import type { NotificationFact } from './domain/notifications.ts';
import type { Sim } from './infra/sim.ts';
import type { store } from './infra/store.ts';

export type Store = typeof store;

/** A create as the Idempotency-Key store sees it: the key (checked to be a UUID), method, path and body. */
export interface KeyedCall {
  readonly key: unknown;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}
export type { Queryable };

/** What the features get: the store, transactions, Idempotency-Key, notifications and the simulation. */
export interface BankPorts {
  readonly sim: Sim;
  readonly store: Store;
  readonly db: Queryable;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  idempotent(
    call: KeyedCall,
    work: (tx: Queryable) => Promise<{ status: number; body: unknown }>,
  ): Promise<KeyedOutcome>;
  notify(tx: Queryable, fact: NotificationFact): Promise<void>;
  newId(): string;
  readonly settings: BankSettings;
}

export interface BankSettings {
  /** The nominal account's number, which POST /deals must name. */
  readonly nominalAccount: string;
  /** How long a new beneficiary's scoring stays IN_PROGRESS. */
  readonly scoringDelayMs: number;
  /** How long a payment stays in each of PENDING and IN_PROGRESS. */
  readonly paymentStepMs: number;
}

/** A keyed create's answer as stored: sent again byte for byte when the same request repeats. */
export interface KeyedOutcome {
  readonly status: number;
  readonly bodyJson: string;
  readonly replayed: boolean;
}
