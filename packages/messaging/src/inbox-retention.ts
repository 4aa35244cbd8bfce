/**
 * How long a consumer remembers an event it handled. At least the outbox's retention of published events
 * (OUTBOX_RETENTION_MS in relay.ts), so that an event an operator publishes again from the outbox is still
 * recognised; far beyond any redelivery by a transport (leases of a minute, broker redeliveries).
 */
export const INBOX_RETENTION_MS = 8 * 24 * 60 * 60 * 1_000;
/** Once a minute, on one instance at a time. */
export const INBOX_PURGE_SCHEDULE = '23 * * * * *';
