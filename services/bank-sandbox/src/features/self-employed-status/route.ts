import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import { npdOverrideOf } from '../../domain/faults.ts';
import { checkRecipientInn } from '../../domain/self-employed.ts';
import type { BankPorts } from '../../ports.ts';
import { SELF_EMPLOYED_PREFIX, seDoc } from '../self-employed.ts';

const CHECK = {
  type: 'object',
  additionalProperties: false,
  required: ['inn'],
  properties: {
    inn: {
      type: 'string',
      pattern: '^\\d{12}$',
      description: "A person's INN, checked by its control digits",
    },
    requestDate: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: "The day the status is asked for (default: today by the sandbox's clock)",
    },
  },
} as const;

/**
 * The NPD status check, as the tax service's tracker answers it ({inn, requestDate} → status): a
 * recipient's own status, or for an INN the bank does not know yet, ACTIVE unless /_sim/ set another.
 */
export function selfEmployedStatusRoutes(app: FastifyInstance, ports: BankPorts): void {
  app.post(
    `${SELF_EMPLOYED_PREFIX}/npd-status`,
    { schema: seDoc("Check a person's NPD status by INN (a query: no Idempotency-Key)", { body: CHECK }) },
    async (request) => {
      const b = request.body as { inn: string; requestDate?: string };
      const invalid = checkRecipientInn(b.inn);
      if (invalid) throw bankErrors.INVALID_INN(invalid.errorDescription);
      const recipient = await ports.store.findSelfEmployedByInn(ports.db, b.inn);
      const status =
        recipient?.selfEmployedStatus ?? npdOverrideOf(ports.sim.faults.selfEmployed, b.inn) ?? 'ACTIVE';
      const active = status === 'ACTIVE';
      return {
        inn: b.inn,
        requestDate: b.requestDate ?? ports.sim.clock.now().toISOString().slice(0, 10),
        status: active,
        selfEmployedStatus: status,
        recipientId: recipient?.id ?? null,
        message: active
          ? `${b.inn} is a payer of the professional income tax`
          : `${b.inn} is not a payer of the professional income tax (${status})`,
      };
    },
  );
}
