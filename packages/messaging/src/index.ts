export type { DeadLetter, DeadLetterReason, DeadLetterState } from '@strongbox/postgres/dead-letters';
export * from './consumer.ts';
export {
  CONSUMER_ATTEMPTS_MAX_DEFAULT,
  CONSUMER_CONCURRENCY_DEFAULT,
  CONSUMER_CONCURRENCY_MAX,
  CONSUMER_RETRY_BACKOFF,
} from './consumer-policy.ts';
export * from './dead-letters/errors.ts';
export { discardDeadLetter, replayDeadLetter } from './dead-letters/operations.ts';
export { DEAD_LETTERS_PREFIX, type DeadLetterRouteDeps, deadLetterRoutes } from './dead-letters/routes.ts';
export { CLOUDEVENTS_CONTENT_TYPE, type EncodedEvent, encodeEvent } from './envelope.ts';
export { INBOX_RETENTION_MS } from './inbox-retention.ts';
export { createMessagingMetrics, type MessagingMetrics } from './metrics.ts';
export { MESSAGING_SCHEMA, type PostgresTransportDeps, postgresTransport } from './postgres-transport.ts';
export { DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE, type RabbitNames, rabbitNames } from './rabbit-topology.ts';
export { type RabbitTransportDeps, rabbitTransport } from './rabbit-transport.ts';
export { RELAY_BATCH_SIZE_MAX, type Relay, type RelayDeps, startRelay } from './relay.ts';
export { topicMatches } from './topic.ts';
export type * from './transport.ts';
export { transportFor } from './transport-for.ts';
