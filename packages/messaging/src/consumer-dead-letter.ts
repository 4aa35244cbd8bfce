import { createHash } from 'node:crypto';
import { type NewDeadLetter, recordDeadLetter } from '@strongbox/postgres/dead-letters';
import type { ConsumerContext } from './consumer-spec.ts';
import { parseEnvelope } from './envelope.ts';

/**
 * Sets an event (or a body that is no event at all) aside in the consumer's dead_letters table, where an
 * operator can replay or discard it.
 */
export async function deadLetter(
  ctx: ConsumerContext,
  body: unknown,
  what: Pick<NewDeadLetter, 'reason' | 'error' | 'attempts'>,
): Promise<void> {
  const parsed = parseEnvelope(body);
  const letter: NewDeadLetter = parsed.ok
    ? {
        ...what,
        consumer: ctx.spec.name,
        eventId: parsed.event.id,
        eventType: parsed.event.type,
        envelope: parsed.event,
        traceId: parsed.event.traceid,
      }
    : {
        ...what,
        consumer: ctx.spec.name,
        // Without an event id, the body's hash keeps redeliveries of the same bytes on one row.
        eventId: `malformed:${createHash('sha256').update(stableText(body)).digest('hex')}`,
        eventType: 'unknown',
        envelope: typeof body === 'object' && body !== null ? body : { raw: stableText(body) },
        traceId: undefined,
      };
  await recordDeadLetter(ctx.deps.pool, letter, ctx.deps.clock);
  ctx.metrics.count('dead_lettered');
}

function stableText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body ?? null);
}
