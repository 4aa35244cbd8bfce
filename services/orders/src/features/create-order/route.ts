import {
  bearerToken,
  callerOf,
  IdempotencyHeaders,
  idempotentRequestOf,
  ProblemRef,
  sendStored,
} from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { orderErrors } from '../../domain/errors.ts';
import { newOrder, type Order, orderView } from '../../domain/order.ts';
import type { OrdersPorts } from '../../ports.ts';
import { NewOrderBody, type NewOrderInput, OrderView } from '../schemas.ts';

/** What a caller is told to wait when balance did not answer the account check. */
export const BALANCE_RETRY_AFTER_S = 1;

/**
 * Takes an order from the caller's own account and starts its saga: the answer is 201 with status
 * `pending`, and the hold is placed right after (the saga timer takes over if this process dies first).
 */
export function createOrderRoute(app: FastifyInstance, ports: OrdersPorts): void {
  app.post<{ Body: NewOrderInput }>(
    '/v1/orders',
    {
      schema: {
        summary: 'Place an order',
        tags: ['orders'],
        headers: IdempotencyHeaders,
        body: NewOrderBody,
        response: {
          201: OrderView,
          400: ProblemRef,
          404: ProblemRef,
          409: ProblemRef,
          422: ProblemRef,
          503: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      if (!ports.balanceConfigured)
        throw orderErrors.balance_unavailable(
          'Orders has no client credentials for balance; see the runbook',
        );
      const caller = callerOf(request);
      // Read first, so a repeated Idempotency-Key header is refused before balance is asked anything.
      const keyed = idempotentRequestOf(request);
      const b = request.body;
      // The caller's own token asks balance, so balance's rule decides (another's account is a 404 there),
      // and the owner must also be the caller: even staff order only from their own accounts (ADR 0016).
      // An account balance showed lately is answered from memory (ADR 0043); the owner check below is then
      // the whole rule, and it is the stricter one.
      const account = await ports
        .accountOf(b.accountId, bearerToken(request.headers.authorization) ?? '', request.traceId)
        .catch((err: Error) => {
          request.log.warn({ err }, 'balance did not answer the account check');
          // Transient (balance slow, restarting or shedding load): tell the client when to come back.
          throw orderErrors.balance_unavailable(
            'Balance did not answer; try again with the same Idempotency-Key',
            { headers: { 'retry-after': String(BALANCE_RETRY_AFTER_S) } },
          );
        });
      if (!account || account.ownerId !== caller.sub)
        throw orderErrors.account_not_found(`No account ${b.accountId}`);
      let placed: Order | undefined;
      const outcome = await ports.createOrder(
        keyed,
        (): Order => {
          placed = newOrder(
            {
              id: ports.newOrderId(),
              customerId: caller.sub,
              accountId: b.accountId,
              merchantAccountId: b.merchantAccountId,
              amountMinor: BigInt(b.amount),
              currency: b.currency,
              description: b.description ?? null,
              items: b.items ?? [],
              traceId: request.traceId,
            },
            ports.clock.now(),
          );
          return placed;
        },
        (o) => jsonResponse(201, orderView(o)),
      );
      if (outcome.kind === 'done' && !outcome.replayed) {
        const id = (JSON.parse(outcome.response.body) as { id: string }).id;
        request.log.info({ orderId: id }, 'order placed');
        // The order as committed, unless the runner built it more than once (a retried transaction).
        const known = placed?.id === id ? placed : undefined;
        ports.drive(id, known).catch((err) => request.log.error({ err, orderId: id }, 'saga run failed'));
      }
      return sendStored(reply, outcome);
    },
  );
}
