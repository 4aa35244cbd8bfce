import type { FastifyInstance } from 'fastify';
import type { RegistryStatus } from '../../domain/self-employed.ts';
import { numberField } from '../../http/lossless-body.ts';
import type { BankPorts } from '../../ports.ts';
import { LIST_LIMIT_MAX } from '../http.ts';
import { emptyBodyAsNoFilters, SELF_EMPLOYED_PREFIX, seDoc } from '../self-employed.ts';

const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const STATUSES = ['DRAFT', 'SUBMITTED', 'PROCESSING', 'EXECUTED', 'PART_EXEC', 'REJECTED'] as const;
const LIST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    statuses: { type: 'array', maxItems: STATUSES.length, items: { type: 'string', enum: STATUSES } },
    periodStart: { ...DAY, description: 'Created on or after this day (UTC)' },
    periodEnd: { ...DAY, description: 'Created on or before this day (UTC)' },
    offset: numberField('Registries to skip', 0, 1_000_000),
    limit: numberField('Registries in the page (default 50)', 1, LIST_LIMIT_MAX),
  },
} as const;

const DAY_MS = 86_400_000;

/** The registries of a period, each with its count and total (a query: POST as the bank has it). */
export function selfEmployedRegistryListRoutes(app: FastifyInstance, ports: BankPorts): void {
  app.post(
    `${SELF_EMPLOYED_PREFIX}/payment-registry/list`,
    {
      schema: seDoc('Payment registries by status and period (a query: no Idempotency-Key)', { body: LIST }),
      preValidation: emptyBodyAsNoFilters,
    },
    async (request) => {
      const b = request.body as {
        statuses?: RegistryStatus[];
        periodStart?: string;
        periodEnd?: string;
        offset?: number;
        limit?: number;
      };
      const day = (d: string) => new Date(`${d}T00:00:00Z`);
      const registries = await ports.store.listRegistries(ports.db, {
        statuses: b.statuses,
        since: b.periodStart ? day(b.periodStart) : undefined,
        until: b.periodEnd ? new Date(day(b.periodEnd).getTime() + DAY_MS) : undefined,
        limit: b.limit ?? 50,
        offset: b.offset ?? 0,
      });
      return { paymentOrders: registries };
    },
  );
}
