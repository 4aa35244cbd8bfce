import type { CloudEvent } from '@strongbox/kernel';
import { countDead } from '@strongbox/postgres/dead-letters';
import type { ConsumerDeps, Outcome } from './consumer-spec.ts';

/** A message's result as counted by strongbox_consumer_messages_total. */
export type MessageResult = Outcome | 'retried' | 'dead_lettered';

/**
 * One consumer's view of the messaging metrics, labelled with its name. Every call does nothing when the
 * service runs without metrics, so the delivery code reads the same either way.
 */
export interface ConsumerMetrics {
  /** How old the event is on arrival (its `time` to now); unparsable times are not observed. */
  observeAge(event: CloudEvent): void;
  /** Starts timing one event's handling; the returned function records it under `outcome`. */
  startTimer(): (outcome: Outcome | 'failed') => void;
  count(result: MessageResult): void;
  /** Adds the lag and dead-letter gauges read at scrape time; the returned function removes them. */
  addProbes(): () => void;
}

export function consumerMetrics(name: string, deps: ConsumerDeps): ConsumerMetrics {
  const { metrics } = deps;
  return {
    observeAge(event) {
      const ageMs = deps.clock.now().getTime() - Date.parse(event.time);
      if (Number.isFinite(ageMs)) metrics?.eventAge.observe({ consumer: name }, Math.max(0, ageMs) / 1000);
    },
    startTimer() {
      const started = performance.now();
      return (outcome) =>
        metrics?.handlerDuration.observe({ consumer: name, outcome }, (performance.now() - started) / 1000);
    },
    count(result) {
      metrics?.messages.inc({ consumer: name, result });
    },
    addProbes() {
      metrics?.probes.lag.set(name, () => deps.transport.depth(name));
      metrics?.probes.deadLetters.set(name, () => countDead(deps.pool, name));
      return () => {
        metrics?.probes.lag.delete(name);
        metrics?.probes.deadLetters.delete(name);
      };
    },
  };
}
