import type { FastifyInstance } from 'fastify';
import { decideRetry } from '../../domain/deal.ts';
import { bankErrors } from '../../domain/errors.ts';
import { rublesField } from '../../http/lossless-body.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { doc, found, idParams, keyed, NOMINAL_PREFIX, sendOutcome, UUID } from '../http.ts';

const TAG = 'Payments';
const PAYMENTS = `${NOMINAL_PREFIX}/payments`;
const CREATE = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'beneficiaryId', 'amount', 'purpose'],
  properties: {
    type: { const: 'REGULAR' },
    beneficiaryId: { ...UUID, description: 'Whose virtual account pays' },
    amount: rublesField('The payout'),
    purpose: { type: 'string', minLength: 1, maxLength: 210 },
    bankDetailsId: { ...UUID, description: "Default: the beneficiary's default bank details" },
  },
} as const;

async function defaultDetails(ports: BankPorts, tx: Queryable, beneficiaryId: string): Promise<string> {
  const d = (await ports.store.listBankDetails(tx, beneficiaryId)).find((b) => b.isDefault);
  if (!d) throw bankErrors.UNPROCESSABLE('The beneficiary has no bank details');
  return d.bankDetailsId;
}

/** Payouts outside deals (REGULAR), a payment's state, and retrying a FAILED one. */
export function paymentRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  app.post(
    PAYMENTS,
    { schema: doc(TAG, 'Pay out from a virtual account (REGULAR)', { body: CREATE }, true) },
    async (request, reply) => {
      const body = request.body as {
        beneficiaryId: string;
        amount: bigint;
        purpose: string;
        bankDetailsId?: string;
      };
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        const balance = found(
          (await store.lockBalances(tx, [body.beneficiaryId])).get(body.beneficiaryId),
          'Beneficiary',
        );
        if (balance.amount < body.amount)
          throw bankErrors.INSUFFICIENT_FUNDS(`The virtual account has ${balance.amount} kopecks`);
        const details = body.bankDetailsId
          ? found(await store.findBankDetails(tx, body.beneficiaryId, body.bankDetailsId), 'Bank details')
              .bankDetailsId
          : await defaultDetails(ports, tx, body.beneficiaryId);
        await store.moveBalance(tx, body.beneficiaryId, -body.amount, 0n);
        const id = ports.newId();
        const now = sim.clock.now();
        await store.insertPayment(tx, {
          id,
          kind: 'REGULAR',
          beneficiaryId: body.beneficiaryId,
          bankDetailsId: details,
          keepOnVirtualAccount: false,
          amount: body.amount,
          purpose: body.purpose,
          dueAt: new Date(now.getTime() + ports.settings.paymentStepMs),
          now,
        });
        return { status: 201, body: await store.findPayment(tx, id) };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    `${PAYMENTS}/:paymentId`,
    { schema: doc(TAG, 'Get a payment', { params: idParams('paymentId') }) },
    async (request) => {
      const { paymentId } = request.params as { paymentId: string };
      return found(await store.findPayment(ports.db, paymentId), 'Payment');
    },
  );

  app.get(
    `${NOMINAL_PREFIX}/deals/:dealId/steps/:stepId/payments`,
    { schema: doc('Deals', "A step's payments, every attempt", { params: idParams('dealId', 'stepId') }) },
    async (request) => {
      const p = request.params as { dealId: string; stepId: string };
      return { results: await store.listStepPayments(ports.db, p.stepId) };
    },
  );

  app.post(
    `${PAYMENTS}/:paymentId/retry`,
    {
      schema: doc(
        TAG,
        "Retry a FAILED payment, by default to the beneficiary's current default bank details",
        {
          params: idParams('paymentId'),
          body: { type: 'object', additionalProperties: false, properties: { bankDetailsId: UUID } },
        },
        true,
      ),
    },
    async (request, reply) => {
      const { paymentId } = request.params as { paymentId: string };
      const body = (request.body ?? {}) as { bankDetailsId?: string };
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        const p = found(await store.findPayment(tx, paymentId, true), 'Payment');
        const d = decideRetry(p.status, p.retryPaymentId !== null);
        if (!d.ok) throw bankErrors[d.code](d.message);
        const details = p.keepOnVirtualAccount
          ? null
          : body.bankDetailsId
            ? found(await store.findBankDetails(tx, p.beneficiaryId, body.bankDetailsId), 'Bank details')
                .bankDetailsId
            : await defaultDetails(ports, tx, p.beneficiaryId);
        const id = ports.newId();
        const now = sim.clock.now();
        await store.insertPayment(tx, {
          id,
          kind: p.type,
          dealId: p.dealId ?? undefined,
          stepId: p.stepId ?? undefined,
          recipientId: p.recipientId ?? undefined,
          beneficiaryId: p.beneficiaryId,
          bankDetailsId: details,
          keepOnVirtualAccount: p.keepOnVirtualAccount,
          amount: p.amount,
          purpose: p.purpose,
          retryOf: p.paymentId,
          dueAt: new Date(now.getTime() + ports.settings.paymentStepMs),
          now,
        });
        if (p.stepId && p.dealId) await store.settleStep(tx, p.dealId, p.stepId, sim);
        return { status: 200, body: { paymentId: p.paymentId, retryPaymentId: id } };
      });
      return sendOutcome(reply, outcome);
    },
  );
}
