import type { FastifyInstance } from 'fastify';
import type { BankPorts } from '../../ports.ts';
import { doc, NOMINAL_PREFIX, PAGE_QUERY, UUID } from '../http.ts';

/** The virtual accounts inside the nominal account: free money (amount) and money held by deals. */
export function balanceRoutes(app: FastifyInstance, ports: BankPorts): void {
  app.get(
    `${NOMINAL_PREFIX}/balances`,
    {
      schema: doc('Virtual accounts', 'Balances of virtual accounts (amount, amountOnHold)', {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { beneficiaryId: UUID, limit: PAGE_QUERY.properties.limit },
        },
      }),
    },
    async (request) => {
      const q = request.query as { beneficiaryId?: string; limit: number };
      return { results: await ports.store.listBalances(ports.db, q.beneficiaryId, q.limit) };
    },
  );
}
