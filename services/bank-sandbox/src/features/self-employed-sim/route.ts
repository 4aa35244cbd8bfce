import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import { noSelfEmployedFaults, type SelfEmployedFaults } from '../../domain/faults.ts';
import {
  canCancelReceipt,
  NPD_STATUSES,
  type NpdStatus,
  REGISTRATION_MS,
} from '../../domain/self-employed.ts';
import type { BankPorts } from '../../ports.ts';
import { doc, found } from '../http.ts';

const TAG = 'Simulation (/_sim/)';
const SIM = '/_sim/self-employed';
const INN_PATTERN = '^\\d{12}$';
const NPD = { type: 'string', enum: NPD_STATUSES } as const;
const FAULTS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    npdStatus: {
      type: 'object',
      maxProperties: 100,
      propertyNames: { pattern: INN_PATTERN },
      additionalProperties: NPD,
      description: 'The NPD status by INN a waiting registration (and the status check) ends in',
    },
    fiscalizeFailing: {
      type: 'array',
      maxItems: 100,
      items: { type: 'string', pattern: INN_PATTERN },
      description: 'INNs whose receipts end FISCALIZE_FAILED',
    },
  },
} as const;
const positive = { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 } as const;

/**
 * The self-employed API's test controls: its fault switches (cleared with the others by DELETE
 * /_sim/faults), a person's NPD status changed at any moment, and an issued receipt annulled.
 */
export function selfEmployedSimRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { sim, store } = ports;
  app.get(
    `${SIM}/faults`,
    { schema: doc(TAG, "The self-employed API's fault switches") },
    async () => sim.faults.selfEmployed,
  );
  app.put(
    `${SIM}/faults`,
    {
      schema: doc(TAG, "Set the self-employed API's switches (the others keep their values)", {
        body: FAULTS,
      }),
    },
    async (request) => {
      const b = request.body as Partial<SelfEmployedFaults>;
      sim.faults.selfEmployed = { ...noSelfEmployedFaults(), ...sim.faults.selfEmployed, ...b };
      return sim.faults.selfEmployed;
    },
  );

  app.put(
    `${SIM}/recipients/:inn/npd-status`,
    {
      schema: doc(
        TAG,
        "Change a person's NPD status now (also mid-deal); kept for their later registrations",
        {
          params: {
            type: 'object',
            required: ['inn'],
            properties: { inn: { type: 'string', pattern: INN_PATTERN } },
          },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['status'],
            properties: { status: NPD },
          },
        },
      ),
    },
    async (request) => {
      const { inn } = request.params as { inn: string };
      const { status } = request.body as { status: NpdStatus };
      const f = sim.faults.selfEmployed;
      f.npdStatus = { ...f.npdStatus, [inn]: status };
      const now = sim.clock.now();
      const dueAt = status === 'REGISTRATION_WAIT' ? new Date(now.getTime() + REGISTRATION_MS) : null;
      const recipient = await store.setNpdStatusByInn(ports.db, inn, status, dueAt, now);
      return { inn, selfEmployedStatus: status, recipient: recipient ?? null };
    },
  );

  app.post(
    `${SIM}/payment-registry/:paymentRegistryId/receipts/:number/cancel`,
    {
      schema: doc(TAG, 'Annul an issued (SUCCESS) receipt: it becomes CANCELED and is notified', {
        params: {
          type: 'object',
          required: ['paymentRegistryId', 'number'],
          properties: { paymentRegistryId: positive, number: positive },
        },
      }),
    },
    async (request) => {
      const { paymentRegistryId: id, number } = request.params as {
        paymentRegistryId: number;
        number: number;
      };
      return ports.transaction(async (tx) => {
        const payment = found(
          (await store.registryPayments(tx, id, true)).find((p) => p.number === number),
          'Receipt',
        );
        const status = payment.receipt?.status;
        if (!status || !canCancelReceipt(status))
          throw bankErrors.CONFLICT(
            `The receipt is ${status ?? 'not issued'}; only SUCCESS can be cancelled`,
          );
        const error = { errorCode: 'RECEIPT_CANCELED', errorMessage: 'The receipt was annulled' };
        await store.setReceipt(tx, id, number, { status: 'CANCELED', error });
        await ports.notify(tx, {
          type: 'SELF_EMPLOYED_RECEIPT_CANCELLED',
          objectId: store.receiptObjectId(id, number),
          status: 'CANCELED',
          data: {
            paymentRegistryId: id,
            number,
            inn: payment.selfEmployedInfo.inn,
            receiptNumber: payment.receipt?.receiptNumber,
          },
        });
        return {
          paymentRegistryId: id,
          number,
          status: 'CANCELED',
          receiptNumber: payment.receipt?.receiptNumber,
        };
      });
    },
  );
}
