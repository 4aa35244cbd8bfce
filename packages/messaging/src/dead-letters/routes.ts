import { decodeCursor, idKey, ProblemRef, pageOf } from '@strongbox/http';
import type { Clock } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import {
  DEAD_LETTER_REASONS,
  DEAD_LETTER_STATES,
  type DeadLetter,
  findDeadLetter,
  listDeadLetters,
} from '@strongbox/postgres/dead-letters';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Transport } from '../transport.ts';
import { messagingErrors } from './errors.ts';
import { discardDeadLetter, replayDeadLetter } from './operations.ts';

export const DEAD_LETTERS_PREFIX = '/v1/admin/dead-letters';
export const DEAD_LETTERS_PAGE_MAX = 100;
export const DEAD_LETTERS_PAGE_DEFAULT = 20;
/** Operators and admins; everyone else gets 403, and no token 401 (the factory checks the route config). */
const ADMIN = { auth: { roles: ['operator', 'admin'] as const } };
/** A replay re-runs an effect that may move money, so it also needs a fresh TOTP code (ADR 0026). */
const ADMIN_STEP_UP = { auth: { roles: ['operator', 'admin'] as const, stepUp: true } };

export interface DeadLetterRouteDeps {
  readonly pool: Pool;
  readonly transport: Transport;
  readonly clock: Clock;
  /** Where the routes live; DEAD_LETTERS_PREFIX unless the gateway needs them per service. */
  readonly prefix?: string;
}

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Timestamp = Type.String({ format: 'date-time' });
const Summary = {
  id: Type.String(),
  consumer: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  state: literals(DEAD_LETTER_STATES),
  reason: literals(DEAD_LETTER_REASONS),
  error: Type.String(),
  attempts: Type.Integer(),
  traceId: Type.Optional(Type.String()),
  deadLetteredAt: Timestamp,
  resolvedAt: Type.Optional(Timestamp),
  resolvedBy: Type.Optional(Type.String()),
  replays: Type.Integer(),
};
const DeadLetterSummary = Type.Object(Summary);
const DeadLetterView = Type.Object({
  ...Summary,
  event: Type.Unknown({ description: 'The event as it was delivered (CloudEvents JSON)' }),
});
const Problem = ProblemRef;
const Params = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: DEAD_LETTERS_PAGE_MAX, default: DEAD_LETTERS_PAGE_DEFAULT }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    consumer: Type.Optional(Type.String({ maxLength: 100 })),
    state: Type.Optional(literals(DEAD_LETTER_STATES)),
  },
  { additionalProperties: false },
);
const errors = { 401: Problem, 403: Problem, 404: Problem };

/**
 * Dead letters of the service that mounts this (its schema's dead_letters table): list, inspect, replay
 * to the one consumer that gave up, discard. Operators and admins only.
 *
 * @example
 * deadLetterRoutes(app, { pool, transport, clock });
 */
export function deadLetterRoutes(app: FastifyInstance, deps: DeadLetterRouteDeps): void {
  const prefix = deps.prefix ?? DEAD_LETTERS_PREFIX;
  const by = (request: FastifyRequest) => request.principal?.sub ?? 'unknown';

  app.get(
    prefix,
    {
      config: ADMIN,
      schema: {
        summary: 'Dead letters, newest first',
        tags: ['dead-letters'],
        querystring: ListQuery,
        response: {
          200: Type.Object({
            data: Type.Array(DeadLetterSummary),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: Problem,
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        limit: number;
        cursor?: string;
        consumer?: string;
        state?: DeadLetter['state'];
      };
      const rows = await listDeadLetters(deps.pool, {
        state: q.state ?? 'dead',
        consumer: q.consumer,
        before: decodeCursor(q.cursor, idKey(/^dl_[0-9a-f-]{36}$/)),
        limit: q.limit + 1,
      });
      return pageOf(rows, q.limit, (d) => d.id, summary);
    },
  );

  app.get(
    `${prefix}/:id`,
    {
      config: ADMIN,
      schema: {
        summary: 'One dead letter with its event',
        tags: ['dead-letters'],
        params: Params,
        response: { 200: DeadLetterView, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const letter = await findDeadLetter(deps.pool, id);
      if (!letter) throw messagingErrors.dead_letter_not_found(`No dead letter ${id}`);
      return view(letter);
    },
  );

  app.post(
    `${prefix}/:id/replay`,
    {
      config: ADMIN_STEP_UP,
      schema: {
        summary: 'Hand the event back to the consumer that gave up on it',
        description:
          'Only a dead letter in state dead can be replayed, so a repeated call cannot deliver twice (409).',
        tags: ['dead-letters'],
        params: Params,
        response: { 200: DeadLetterView, 409: Problem, 503: Problem, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const letter = await replayDeadLetter(deps, id, by(request));
      request.log.info(
        { deadLetterId: id, consumer: letter.consumer, eventId: letter.eventId },
        'dead letter replayed',
      );
      return view(letter);
    },
  );

  app.delete(
    `${prefix}/:id`,
    {
      config: ADMIN,
      schema: {
        summary: 'Discard a dead letter (kept as a record)',
        tags: ['dead-letters'],
        params: Params,
        response: { 204: Type.Null(), 409: Problem, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const letter = await discardDeadLetter(deps, id, by(request));
      request.log.info(
        { deadLetterId: id, consumer: letter.consumer, eventId: letter.eventId },
        'dead letter discarded',
      );
      return reply.code(204).send();
    },
  );
}

export function summary(d: DeadLetter) {
  return {
    id: d.id,
    consumer: d.consumer,
    eventId: d.eventId,
    eventType: d.eventType,
    state: d.state,
    reason: d.reason,
    error: d.error,
    attempts: d.attempts,
    ...(d.traceId ? { traceId: d.traceId } : {}),
    deadLetteredAt: d.deadLetteredAt.toISOString(),
    ...(d.resolvedAt ? { resolvedAt: d.resolvedAt.toISOString() } : {}),
    ...(d.resolvedBy ? { resolvedBy: d.resolvedBy } : {}),
    replays: d.replays,
  };
}

export function view(d: DeadLetter) {
  return { ...summary(d), event: d.envelope };
}
