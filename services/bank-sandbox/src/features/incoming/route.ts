import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import { decideIdentify, type Share } from '../../domain/incoming.ts';
import { rublesField } from '../../http/lossless-body.ts';
import type { BankPorts } from '../../ports.ts';
import { doc, found, idParams, keyed, NOMINAL_PREFIX, PAGE_QUERY, sendOutcome, UUID } from '../http.ts';

const TAG = 'Incoming transactions';
const IDENTIFY = {
  type: 'object',
  additionalProperties: false,
  required: ['amountDistribution'],
  properties: {
    amountDistribution: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['beneficiaryId', 'amount'],
        properties: { beneficiaryId: UUID, amount: rublesField('The share') },
      },
    },
  },
} as const;

/** Money that reached the nominal account from outside and is not yet on any virtual account. */
export function incomingRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  app.get(
    `${NOMINAL_PREFIX}/incoming-transactions`,
    { schema: doc(TAG, 'Unidentified incoming payments', { querystring: PAGE_QUERY }) },
    async (request) => {
      const q = request.query as { limit: number; offset: number };
      return { results: await store.listUnidentified(ports.db, q.limit, q.offset) };
    },
  );

  app.post(
    `${NOMINAL_PREFIX}/incoming-transactions/:operationId/identify`,
    {
      schema: doc(
        TAG,
        'Credit an incoming payment to virtual accounts',
        { params: idParams('operationId'), body: IDENTIFY },
        true,
      ),
    },
    async (request, reply) => {
      const { operationId } = request.params as { operationId: string };
      const shares = (request.body as { amountDistribution: Share[] }).amountDistribution;
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        const payment = found(await store.lockIncoming(tx, operationId), 'Incoming transaction');
        const balances = await store.lockBalances(
          tx,
          shares.map((s) => s.beneficiaryId),
        );
        const decision = decideIdentify(payment, shares, new Set(balances.keys()));
        if (!decision.ok) throw bankErrors[decision.code](decision.message);
        for (const c of decision.credits) await store.moveBalance(tx, c.beneficiaryId, c.amount, 0n);
        await store.markIdentified(
          tx,
          operationId,
          decision.credits.map((c) => ({ ...c, amount: String(c.amount) })),
          sim.clock.now(),
        );
        await ports.notify(tx, {
          type: 'INCOMING_PAYMENT_IDENTIFIED',
          objectId: operationId,
          status: 'IDENTIFIED',
        });
        return { status: 200, body: { operationId, identified: true, amountDistribution: decision.credits } };
      });
      return sendOutcome(reply, outcome);
    },
  );
}
