import { isValidAccountForBik, isValidCardNumber } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import type { BankPorts } from '../../ports.ts';
import { doc, found, idParams, keyed, NOMINAL_PREFIX, sendOutcome } from '../http.ts';

const TAG = 'Bank details';
const BASE = `${NOMINAL_PREFIX}/beneficiaries/:beneficiaryId/bank-details`;

const CREATE = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'accountNumber', 'bik'],
      properties: {
        type: { const: 'PAYMENT_DETAILS' },
        accountNumber: {
          type: 'string',
          pattern: '^\\d{20}$',
          description: 'Checked against the BIK by the control key',
        },
        bik: { type: 'string', pattern: '^\\d{9}$' },
        bankName: { type: 'string', minLength: 1, maxLength: 300 },
        corrAccount: { type: 'string', pattern: '^\\d{20}$' },
        name: { type: 'string', minLength: 1, maxLength: 300, description: "The account holder's name" },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'cardNumber'],
      properties: {
        type: { const: 'CARD' },
        cardNumber: { type: 'string', pattern: '^\\d{13,19}$', description: 'Checked by Luhn' },
      },
    },
  ],
} as const;

type Body =
  | { type: 'PAYMENT_DETAILS'; accountNumber: string; bik: string }
  | { type: 'CARD'; cardNumber: string };

/** A beneficiary's payout details: the first becomes the default; set-default moves it; delete removes. */
export function bankDetailsRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  app.post(
    BASE,
    {
      schema: doc(
        TAG,
        'Add bank details (PAYMENT_DETAILS or CARD)',
        { params: idParams('beneficiaryId'), body: CREATE },
        true,
      ),
    },
    async (request, reply) => {
      const { beneficiaryId } = request.params as { beneficiaryId: string };
      const body = request.body as Body;
      if (body.type === 'PAYMENT_DETAILS' && !isValidAccountForBik(body.accountNumber, body.bik))
        throw bankErrors.INVALID_BANK_DETAILS(
          `Account ${body.accountNumber} fails the control key for BIK ${body.bik}`,
        );
      if (body.type === 'CARD' && !isValidCardNumber(body.cardNumber))
        throw bankErrors.INVALID_CARD('The card number fails its checksum');
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        found(await store.findBeneficiary(tx, beneficiaryId), 'Beneficiary');
        const { type, ...details } = body;
        const created = await store.insertBankDetails(tx, {
          id: ports.newId(),
          beneficiaryId,
          type,
          details,
          now: sim.clock.now(),
        });
        return { status: 201, body: created };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    BASE,
    { schema: doc(TAG, "List a beneficiary's bank details", { params: idParams('beneficiaryId') }) },
    async (request) => {
      const { beneficiaryId } = request.params as { beneficiaryId: string };
      found(await store.findBeneficiary(ports.db, beneficiaryId), 'Beneficiary');
      return { results: await store.listBankDetails(ports.db, beneficiaryId) };
    },
  );

  app.get(
    `${BASE}/:bankDetailsId`,
    { schema: doc(TAG, 'Get bank details', { params: idParams('beneficiaryId', 'bankDetailsId') }) },
    async (request) => {
      const p = request.params as { beneficiaryId: string; bankDetailsId: string };
      return found(await store.findBankDetails(ports.db, p.beneficiaryId, p.bankDetailsId), 'Bank details');
    },
  );

  app.post(
    `${BASE}/:bankDetailsId/set-default`,
    {
      schema: doc(TAG, 'Make these the default bank details', {
        params: idParams('beneficiaryId', 'bankDetailsId'),
      }),
    },
    async (request) => {
      const p = request.params as { beneficiaryId: string; bankDetailsId: string };
      return ports.transaction(async (tx) => {
        if (!(await store.setDefaultBankDetails(tx, p.beneficiaryId, p.bankDetailsId)))
          throw bankErrors.NOT_FOUND('Bank details not found');
        return found(await store.findBankDetails(tx, p.beneficiaryId, p.bankDetailsId), 'Bank details');
      });
    },
  );

  app.delete(
    `${BASE}/:bankDetailsId`,
    {
      schema: doc(TAG, 'Delete bank details (the oldest remaining become the default)', {
        params: idParams('beneficiaryId', 'bankDetailsId'),
      }),
    },
    async (request, reply) => {
      const p = request.params as { beneficiaryId: string; bankDetailsId: string };
      const deleted = await ports.transaction((tx) =>
        store.deleteBankDetails(tx, p.beneficiaryId, p.bankDetailsId, sim.clock.now()),
      );
      if (!deleted) throw bankErrors.NOT_FOUND('Bank details not found');
      return reply.code(204).send();
    },
  );
}
