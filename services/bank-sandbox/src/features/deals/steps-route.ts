import type { FastifyInstance } from 'fastify';
import { checkEditable, decideCompleteStep, type StepView } from '../../domain/deal.ts';
import { bankErrors } from '../../domain/errors.ts';
import { rublesField } from '../../http/lossless-body.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { doc, found, idParams, keyed, sendOutcome, UUID } from '../http.ts';
import { DEALS, dealOf, TAG } from './route.ts';

const STEPS = `${DEALS}/:dealId/steps`;
const STEP = `${STEPS}/:stepId`;
const DESCRIPTION = {
  type: 'object',
  additionalProperties: false,
  required: ['description'],
  properties: { description: { type: 'string', minLength: 3, maxLength: 4096 } },
} as const;
const RECIPIENT = {
  type: 'object',
  additionalProperties: false,
  required: ['beneficiaryId', 'amount', 'purpose'],
  properties: {
    beneficiaryId: UUID,
    amount: rublesField('What the recipient gets'),
    purpose: { type: 'string', minLength: 1, maxLength: 210 },
    bankDetailsId: { ...UUID, description: "Default: the beneficiary's default bank details at payout" },
    keepOnVirtualAccount: {
      type: 'boolean',
      description: 'Credit the virtual account instead of paying out',
    },
  },
} as const;

/** The deal, locked and editable (DRAFT), or the refusal. */
async function draftOf(ports: BankPorts, tx: Queryable, dealId: string) {
  const deal = await dealOf(ports, tx, dealId);
  const refusal = checkEditable(deal);
  if (refusal) throw bankErrors[refusal.code](refusal.message);
  return deal;
}

const stepOf = (steps: readonly StepView[], stepId: string) =>
  found(
    steps.find((s) => s.stepId === stepId),
    'Step',
  );

/** Steps of a deal, their deponents and recipients (edited only in DRAFT), and completing a step. */
export function stepRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  app.post(
    STEPS,
    { schema: doc(TAG, 'Add a step', { params: idParams('dealId'), body: DESCRIPTION }, true) },
    async (request, reply) => {
      const { dealId } = request.params as { dealId: string };
      const { description } = request.body as { description: string };
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        await draftOf(ports, tx, dealId);
        const stepId = ports.newId();
        await store.insertStep(tx, { id: stepId, dealId, description });
        return { status: 201, body: stepOf((await dealOf(ports, tx, dealId)).steps, stepId) };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    STEPS,
    { schema: doc(TAG, "List a deal's steps", { params: idParams('dealId') }) },
    async (request) => {
      const { dealId } = request.params as { dealId: string };
      return { results: found(await store.loadDeal(ports.db, dealId), 'Deal').steps };
    },
  );

  app.put(
    STEP,
    {
      schema: doc(TAG, "Change a step's description", {
        params: idParams('dealId', 'stepId'),
        body: DESCRIPTION,
      }),
    },
    async (request) => {
      const p = request.params as { dealId: string; stepId: string };
      return ports.transaction(async (tx) => {
        await draftOf(ports, tx, p.dealId);
        if (
          !(await store.updateStep(
            tx,
            p.dealId,
            p.stepId,
            (request.body as { description: string }).description,
          ))
        )
          throw bankErrors.NOT_FOUND('Step not found');
        return stepOf((await dealOf(ports, tx, p.dealId)).steps, p.stepId);
      });
    },
  );

  app.delete(
    STEP,
    { schema: doc(TAG, 'Delete a step', { params: idParams('dealId', 'stepId') }) },
    async (request, reply) => {
      const p = request.params as { dealId: string; stepId: string };
      await ports.transaction(async (tx) => {
        await draftOf(ports, tx, p.dealId);
        if (!(await store.deleteStep(tx, p.dealId, p.stepId))) throw bankErrors.NOT_FOUND('Step not found');
      });
      return reply.code(204).send();
    },
  );

  const deponentParams = idParams('dealId', 'stepId', 'beneficiaryId');
  app.put(
    `${STEP}/deponents/:beneficiaryId`,
    {
      schema: doc(TAG, 'Set what a beneficiary puts into the step', {
        params: deponentParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['amount'],
          properties: { amount: rublesField('The deposit') },
        },
      }),
    },
    async (request) => {
      const p = request.params as { dealId: string; stepId: string; beneficiaryId: string };
      return ports.transaction(async (tx) => {
        stepOf((await draftOf(ports, tx, p.dealId)).steps, p.stepId);
        found(await store.findBeneficiary(tx, p.beneficiaryId), 'Beneficiary');
        await store.upsertDeponent(
          tx,
          p.stepId,
          p.beneficiaryId,
          (request.body as { amount: bigint }).amount,
        );
        return stepOf((await dealOf(ports, tx, p.dealId)).steps, p.stepId);
      });
    },
  );

  app.delete(
    `${STEP}/deponents/:beneficiaryId`,
    { schema: doc(TAG, 'Remove a deponent', { params: deponentParams }) },
    async (request, reply) => {
      const p = request.params as { dealId: string; stepId: string; beneficiaryId: string };
      await ports.transaction(async (tx) => {
        stepOf((await draftOf(ports, tx, p.dealId)).steps, p.stepId);
        if (!(await store.deleteDeponent(tx, p.stepId, p.beneficiaryId)))
          throw bankErrors.NOT_FOUND('Deponent not found');
      });
      return reply.code(204).send();
    },
  );

  app.post(
    `${STEP}/recipients`,
    {
      schema: doc(
        TAG,
        'Add a recipient to the step',
        { params: idParams('dealId', 'stepId'), body: RECIPIENT },
        true,
      ),
    },
    async (request, reply) => {
      const p = request.params as { dealId: string; stepId: string };
      const body = request.body as {
        beneficiaryId: string;
        amount: bigint;
        purpose: string;
        bankDetailsId?: string;
        keepOnVirtualAccount?: boolean;
      };
      if (body.bankDetailsId && body.keepOnVirtualAccount)
        throw bankErrors.VALIDATION_ERROR('Give bankDetailsId or keepOnVirtualAccount, not both');
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        stepOf((await draftOf(ports, tx, p.dealId)).steps, p.stepId);
        found(await store.findBeneficiary(tx, body.beneficiaryId), 'Beneficiary');
        if (body.bankDetailsId)
          found(await store.findBankDetails(tx, body.beneficiaryId, body.bankDetailsId), 'Bank details');
        const recipientId = ports.newId();
        await store.insertRecipient(tx, {
          id: recipientId,
          stepId: p.stepId,
          beneficiaryId: body.beneficiaryId,
          amount: body.amount,
          purpose: body.purpose,
          bankDetailsId: body.bankDetailsId ?? null,
          keepOnVirtualAccount: body.keepOnVirtualAccount ?? false,
        });
        const step = stepOf((await dealOf(ports, tx, p.dealId)).steps, p.stepId);
        return {
          status: 201,
          body: found(
            step.recipients.find((r) => r.recipientId === recipientId),
            'Recipient',
          ),
        };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.delete(
    `${STEP}/recipients/:recipientId`,
    { schema: doc(TAG, 'Remove a recipient', { params: idParams('dealId', 'stepId', 'recipientId') }) },
    async (request, reply) => {
      const p = request.params as { dealId: string; stepId: string; recipientId: string };
      await ports.transaction(async (tx) => {
        stepOf((await draftOf(ports, tx, p.dealId)).steps, p.stepId);
        if (!(await store.deleteRecipient(tx, p.stepId, p.recipientId)))
          throw bankErrors.NOT_FOUND('Recipient not found');
      });
      return reply.code(204).send();
    },
  );

  app.post(
    `${STEP}/complete`,
    {
      schema: doc(TAG, 'Complete the step: its recipients are paid (asynchronously)', {
        params: idParams('dealId', 'stepId'),
      }),
    },
    async (request) => {
      const p = request.params as { dealId: string; stepId: string };
      return ports.transaction(async (tx) => {
        const deal = await dealOf(ports, tx, p.dealId);
        const d = decideCompleteStep(deal, p.stepId);
        if (!d.ok) throw bankErrors[d.code](d.message);
        const now = sim.clock.now();
        await store.lockBalances(
          tx,
          d.debits.map((x) => x.beneficiaryId),
        );
        for (const x of d.debits) await store.moveBalance(tx, x.beneficiaryId, 0n, -x.amount);
        for (const r of d.payments) {
          const details = r.keepOnVirtualAccount
            ? null
            : (r.bankDetailsId ??
              (await store.listBankDetails(tx, r.beneficiaryId)).find((b) => b.isDefault)?.bankDetailsId ??
              null);
          await store.insertPayment(tx, {
            id: ports.newId(),
            kind: 'DEAL',
            dealId: p.dealId,
            stepId: p.stepId,
            recipientId: r.recipientId,
            beneficiaryId: r.beneficiaryId,
            bankDetailsId: details,
            keepOnVirtualAccount: r.keepOnVirtualAccount,
            amount: r.amount,
            purpose: r.purpose,
            dueAt: new Date(now.getTime() + ports.settings.paymentStepMs),
            now,
          });
        }
        await store.setStepStatus(tx, p.stepId, 'PAYMENT_IN_PROGRESS');
        await store.setDealStatus(tx, p.dealId, 'IN_PROGRESS', now);
        await ports.notify(tx, {
          type: 'STEP_PAYMENT_STARTED',
          objectId: p.stepId,
          status: 'PAYMENT_IN_PROGRESS',
          data: { dealId: p.dealId },
        });
        return stepOf((await dealOf(ports, tx, p.dealId)).steps, p.stepId);
      });
    },
  );
}
