import { type MigrationModule, POSTGRES_MODULES } from '@strongbox/postgres';
import { SERVICE } from './deal-commands.ts';

/**
 * The deals schema: its events, its outbox, the inbox of what it consumes, the Idempotency-Key store, and
 * its own tables (read models, recipients, the notification log, the bank and ledger tasks, and from 0008 the
 * reconciliation findings). Every NNNN-name.sql in ../migrations runs once, in order of its number.
 */
export const MIGRATIONS: { schema: string; dir: string; modules: readonly MigrationModule[] } = {
  schema: SERVICE,
  dir: new URL('../migrations', import.meta.url).pathname,
  modules: [
    POSTGRES_MODULES.eventstore,
    POSTGRES_MODULES.outbox,
    POSTGRES_MODULES.inbox,
    POSTGRES_MODULES.idempotency,
  ],
};
