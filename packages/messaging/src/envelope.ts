import type { CloudEvent } from '@strongbox/kernel';

/** The content type of a structured-mode CloudEvent (CloudEvents JSON format, §3.1 of the AMQP binding). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** An event ready to travel: its id and type for routing, its envelope as JSON text (never re-encoded). */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly json: string;
}

export function encodeEvent(event: CloudEvent): EncodedEvent {
  return { id: event.id, type: event.type, json: JSON.stringify(event) };
}

export type ParsedEnvelope =
  | { readonly ok: true; readonly event: CloudEvent }
  | { readonly ok: false; readonly problem: string };

const REQUIRED = ['id', 'source', 'type', 'subject', 'time'] as const;

/**
 * Checks that a received body is one of our CloudEvents before any handler sees it. Anything else is a
 * message no retry can fix, so the consumer dead-letters it as malformed at once.
 */
export function parseEnvelope(body: unknown): ParsedEnvelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problem: 'the message is not a JSON object' };
  }
  const e = body as Record<string, unknown>;
  if (e['specversion'] !== '1.0') return { ok: false, problem: 'specversion is not "1.0"' };
  for (const field of REQUIRED) {
    if (typeof e[field] !== 'string' || e[field] === '') {
      return { ok: false, problem: `${field} is missing or not a string` };
    }
  }
  if (e['traceid'] !== undefined && typeof e['traceid'] !== 'string') {
    return { ok: false, problem: 'traceid is not a string' };
  }
  return { ok: true, event: body as CloudEvent };
}

/** Decodes a message body that may arrive as bytes, text or already-parsed JSON. */
export function decodeBody(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
