import { Type } from 'typebox';

/**
 * The RFC 9457 problem document every service answers errors with (problem.ts), for the response schemas
 * of routes, so the OpenAPI documents describe it the same way everywhere.
 */
export const ProblemSchema = Type.Object(
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
 * An RFC 3339 instant, for request and response schemas. In requests, `format: 'date-time'` admits only
 * instants both JavaScript and PostgreSQL read (no leap second, no year 0000; validation.ts).
 */
export const Timestamp = Type.String({
  format: 'date-time',
  description: 'RFC 3339 instant, e.g. 2026-03-01T12:00:00Z',
});
