import type { AsyncMessage, Connection, Envelope } from 'rabbitmq-client';
import { CLOUDEVENTS_CONTENT_TYPE, type EncodedEvent } from './envelope.ts';
import { type RabbitExchange, retryHeaders } from './rabbit-topology.ts';
import { asError, type PublishOutcome } from './transport.ts';

/** One message on its way: its id, and the promise of the broker's confirm. */
export interface RabbitSend {
  readonly id: string;
  readonly sent: Promise<void>;
}

export interface RabbitPublisher {
  /** Publishes one event with the given exchange, routing key and any other envelope fields. */
  send(event: EncodedEvent, envelope: Envelope): RabbitSend;
  /** Waits for the confirms; only the confirmed (and routed) prefix counts. */
  confirm(sends: readonly RabbitSend[]): Promise<PublishOutcome>;
  /** Puts a failed message into the consumer's retry queue, to come back after `delayMs`. */
  retry(retryQueue: string, msg: AsyncMessage, attempt: number, delayMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A confirming publisher: every message is `mandatory` and persistent, and counts as published only once
 * the broker has confirmed it and not returned it.
 */
export function rabbitPublisher(rabbit: Connection, exchanges: readonly RabbitExchange[]): RabbitPublisher {
  const publisher = rabbit.createPublisher({ confirm: true, maxAttempts: 1, exchanges: [...exchanges] });
  // With `mandatory`, an unroutable message is returned and then confirmed anyway: the confirm alone
  // does not mean delivered. Returns are collected by message id and checked after the confirms.
  const returned = new Set<string>();
  publisher.on('basic.return', (msg) => {
    if (msg.messageId) returned.add(msg.messageId);
  });

  const confirm = async (sends: readonly RabbitSend[]): Promise<PublishOutcome> => {
    const results = await Promise.allSettled(sends.map((s) => s.sent));
    // The client emits a return on a later turn of the event loop than the confirm that follows it.
    await new Promise((resolve) => setImmediate(resolve));
    let outcome: PublishOutcome = { confirmed: sends.length };
    for (let i = 0; i < sends.length; i++) {
      const result = results[i];
      if (result?.status === 'rejected') {
        const error = asError(result.reason);
        const reason = (error as { code?: string }).code === 'NACK' ? 'rejected' : 'error';
        outcome = { confirmed: i, failure: { reason, error } };
        break;
      }
      if (returned.has(sends[i]?.id ?? '')) {
        outcome = { confirmed: i, failure: { reason: 'unroutable', error: new Error('no queue is bound') } };
        break;
      }
    }
    for (const s of sends) returned.delete(s.id);
    return outcome;
  };

  const send = (event: EncodedEvent, envelope: Envelope): RabbitSend => ({
    id: event.id,
    sent: publisher.send(
      {
        mandatory: true,
        durable: true,
        messageId: event.id,
        type: event.type,
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        ...envelope,
      },
      Buffer.from(event.json),
    ),
  });

  const retry = async (retryQueue: string, msg: AsyncMessage, attempt: number, delayMs: number) => {
    const event = { id: msg.messageId ?? '', type: msg.type ?? '', json: rawText(msg.body) };
    const outcome = await confirm([
      send(event, {
        exchange: '',
        routingKey: retryQueue,
        expiration: String(Math.max(0, Math.round(delayMs))),
        headers: retryHeaders(msg.headers, attempt),
      }),
    ]);
    // Not confirmed: the nack that follows redelivers it at once, counted as one more attempt.
    if (outcome.failure) throw outcome.failure.error;
  };

  return { send, confirm, retry, close: () => publisher.close() };
}

function rawText(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return typeof body === 'string' ? body : JSON.stringify(body);
}
