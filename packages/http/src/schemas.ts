import { IDEMPOTENCY_KEY_LENGTH_MAX } from '@strongbox/kernel';
import { Type } from 'typebox';

/**
 * Route schemas every service shares, so the OpenAPI documents describe the same things the same way.
 *
 * @example
 * app.post('/v1/orders/:id/cancel', { schema: { headers: IdempotencyHeaders, params: IdParams,
 *   response: { 200: OrderView, 404: ProblemRef } } }, handler);
 */

/** The RFC 9457 problem document every service answers errors with (problem.ts). */
export const ProblemRef = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    traceId: Type.String(),
  },
  { additionalProperties: true, description: 'RFC 9457 problem document' },
);

/**
 * An opaque id (brief §4: a type prefix over a UUID). Anything shaped like one is looked up (and may be
 * 404); anything else, including what PostgreSQL would refuse, is a 400 before it reaches the database.
 */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const IdParams = Type.Object({ id: Id });

/** Brief §4: every POST that creates or moves something takes a key of 1–255 characters. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: IDEMPOTENCY_KEY_LENGTH_MAX,
    description: 'Unique per caller and request; a retry with the same key replays the first answer',
  }),
});

/**
 * An RFC 3339 instant, for request and response schemas. In requests, `format: 'date-time'` admits only
 * instants both JavaScript and PostgreSQL read (no leap second, no year 0000; validation.ts).
 */
export const Timestamp = Type.String({
  format: 'date-time',
  description: 'RFC 3339 instant, e.g. 2026-03-01T12:00:00Z',
});
