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
