import client from 'prom-client';

/** Handler durations in seconds, dense from 1 ms to 10 s. */
const DURATION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Event age at handling, from the event's time to its handler's start: 5 ms to 10 minutes. */
const AGE_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600];

type Probe = () => Promise<number>;

export interface MessagingMetrics {
  /** Events the relay published (confirmed by the transport); rate() gives published/s. */
  readonly published: client.Counter<'schema'>;
  readonly publishFailures: client.Counter<'schema' | 'reason'>;
  /** Outcome of every delivery: handled, duplicate, retried, dead_lettered. */
  readonly messages: client.Counter<'consumer' | 'result'>;
  readonly handlerDuration: client.Histogram<'consumer' | 'outcome'>;
  readonly eventAge: client.Histogram<'consumer'>;
  /** Gauges read at scrape time; relays and consumers add their probes and remove them on stop. */
  readonly probes: {
    readonly oldestUnpublished: Map<string, Probe>;
    readonly lag: Map<string, Probe>;
    readonly deadLetters: Map<string, Probe>;
  };
}

/**
 * The event backbone's metrics, registered once per registry (a process with a relay and three consumers
 * shares one set, labelled by schema and consumer).
 *
 * @example
 * const metrics = createMessagingMetrics(registry);
 * await startRelay({ ..., metrics });
 */
export function createMessagingMetrics(registry: client.Registry): MessagingMetrics {
  const registers = [registry];
  const probes = {
    oldestUnpublished: new Map<string, Probe>(),
    lag: new Map<string, Probe>(),
    deadLetters: new Map<string, Probe>(),
  };
  probedGauge(
    registry,
    'strongbox_outbox_oldest_unpublished_seconds',
    'Age of the oldest unpublished outbox event',
    'schema',
    probes.oldestUnpublished,
    1 / 1000,
  );
  probedGauge(
    registry,
    'strongbox_consumer_lag_messages',
    'Messages waiting for the consumer: its queue and, on PostgreSQL, the log rows after its checkpoints ' +
      'that it takes (exact within 1,000 log rows of a checkpoint; beyond, every further row counts: an upper bound)',
    'consumer',
    probes.lag,
    1,
  );
  probedGauge(
    registry,
    'strongbox_dead_letters',
    'Dead letters waiting for an operator',
    'consumer',
    probes.deadLetters,
    1,
  );
  return {
    published: new client.Counter({
      name: 'strongbox_outbox_published_total',
      help: 'Outbox events published and confirmed by the transport',
      labelNames: ['schema'] as const,
      registers,
    }),
    publishFailures: new client.Counter({
      name: 'strongbox_outbox_publish_failures_total',
      help: 'Relay batches that stopped at an event the transport did not confirm',
      labelNames: ['schema', 'reason'] as const,
      registers,
    }),
    messages: new client.Counter({
      name: 'strongbox_consumer_messages_total',
      help: 'Deliveries by outcome: handled, duplicate, retried, dead_lettered',
      labelNames: ['consumer', 'result'] as const,
      registers,
    }),
    handlerDuration: new client.Histogram({
      name: 'strongbox_consumer_handler_duration_seconds',
      help: 'Handler transaction duration (inbox row, effect, commit)',
      labelNames: ['consumer', 'outcome'] as const,
      buckets: DURATION_BUCKETS_S,
      registers,
    }),
    eventAge: new client.Histogram({
      name: 'strongbox_consumer_event_age_seconds',
      help: 'Time from the event (its CloudEvents time) to the start of its handler',
      labelNames: ['consumer'] as const,
      buckets: AGE_BUCKETS_S,
      registers,
    }),
    probes,
  };
}

function probedGauge(
  registry: client.Registry,
  name: string,
  help: string,
  label: string,
  probes: Map<string, Probe>,
  scale: number,
): void {
  new client.Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      await Promise.all(
        [...probes].map(async ([value, probe]) => {
          try {
            this.set({ [label]: value }, (await probe()) * scale);
          } catch {
            // A probe that cannot answer (database down) keeps its last value; the scrape must not fail.
          }
        }),
      );
    },
  });
}
