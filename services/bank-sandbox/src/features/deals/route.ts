import type { FastifyInstance } from 'fastify';
import {
  decideAccept,
  decideCancel,
  decideDelete,
  decideDraft,
  participants,
  validate,
  type World,
} from '../../domain/deal.ts';
import { bankErrors } from '../../domain/errors.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { doc, found, idParams, keyed, NOMINAL_PREFIX, sendOutcome } from '../http.ts';

export const TAG = 'Deals';
export const DEALS = `${NOMINAL_PREFIX}/deals`;

/** Loads the deal (locked) or answers 404. */
export async function dealOf(ports: BankPorts, tx: Queryable, dealId: string) {
  return found(await ports.store.loadDeal(tx, dealId, true), 'Deal');
}

export async function worldOf(ports: BankPorts, tx: Queryable, ids: readonly string[]): Promise<World> {
  const balances = await ports.store.lockBalances(tx, ids);
  return {
    scoring: await ports.store.scoringOf(tx, ids),
    available: new Map([...balances].map(([id, b]) => [id, b.amount])),
  };
}

function refused(r: { code: 'CONFLICT' | 'UNPROCESSABLE' | 'NOT_FOUND'; message: string }): never {
  throw bankErrors[r.code](r.message);
}

/** A deal's lifecycle: create, read, delete (DRAFT), accept, back to draft, cancel, is-valid. */
export function dealRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  const params = idParams('dealId');
  app.post(
    DEALS,
    {
      schema: doc(
        TAG,
        'Create a deal (DRAFT) in the nominal account',
        {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['accountNumber'],
            properties: {
              accountNumber: {
                type: 'string',
                pattern: '^\\d{20}$',
                description: "The nominal account's number (BANK_NOMINAL_ACCOUNT)",
                examples: [ports.settings.nominalAccount],
              },
            },
          },
        },
        true,
      ),
    },
    async (request, reply) => {
      const { accountNumber } = request.body as { accountNumber: string };
      if (accountNumber !== ports.settings.nominalAccount)
        throw bankErrors.NOT_FOUND(`No nominal account ${accountNumber}`);
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        const id = ports.newId();
        await store.insertDeal(tx, id, accountNumber, sim.clock.now());
        return { status: 201, body: await dealOf(ports, tx, id) };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    `${DEALS}/:dealId`,
    { schema: doc(TAG, 'Get a deal with its steps', { params }) },
    async (request) => {
      const { dealId } = request.params as { dealId: string };
      return found(await store.loadDeal(ports.db, dealId), 'Deal');
    },
  );

  app.delete(
    `${DEALS}/:dealId`,
    { schema: doc(TAG, 'Delete a DRAFT deal', { params }) },
    async (request, reply) => {
      const { dealId } = request.params as { dealId: string };
      await ports.transaction(async (tx) => {
        const deal = await dealOf(ports, tx, dealId);
        const d = decideDelete(deal);
        if (!d.ok) refused(d);
        await store.deleteDeal(tx, dealId);
      });
      return reply.code(204).send();
    },
  );

  app.get(
    `${DEALS}/:dealId/is-valid`,
    { schema: doc(TAG, 'Whether the deal can be accepted, and why not', { params }) },
    async (request) => {
      const { dealId } = request.params as { dealId: string };
      return ports.transaction(async (tx) => {
        const deal = found(await store.loadDeal(tx, dealId), 'Deal');
        const reasons = validate(deal, await worldOf(ports, tx, participants(deal)));
        return { isValid: reasons.length === 0, reasons };
      });
    },
  );

  app.post(
    `${DEALS}/:dealId/accept`,
    { schema: doc(TAG, "Accept the deal: the deponents' money goes on hold", { params }) },
    async (request) =>
      ports.transaction(async (tx) => {
        const { dealId } = request.params as { dealId: string };
        const deal = await dealOf(ports, tx, dealId);
        const d = decideAccept(deal, await worldOf(ports, tx, participants(deal)));
        if (!d.ok) refused(d);
        for (const [id, amount] of d.holds) await store.moveBalance(tx, id, -amount, amount);
        await store.setDealStatus(tx, dealId, 'ACCEPTED', sim.clock.now());
        await ports.notify(tx, { type: 'DEAL_ACCEPTED', objectId: dealId, status: 'ACCEPTED' });
        return dealOf(ports, tx, dealId);
      }),
  );

  app.post(
    `${DEALS}/:dealId/draft`,
    { schema: doc(TAG, 'Back to DRAFT for editing; the holds are released', { params }) },
    async (request) =>
      ports.transaction(async (tx) => {
        const { dealId } = request.params as { dealId: string };
        const deal = await dealOf(ports, tx, dealId);
        const d = decideDraft(deal);
        if (!d.ok) refused(d);
        await worldOf(ports, tx, [...d.releases.keys()]);
        for (const [id, amount] of d.releases) await store.moveBalance(tx, id, amount, -amount);
        await store.setDealStatus(tx, dealId, 'DRAFT', sim.clock.now());
        return dealOf(ports, tx, dealId);
      }),
  );

  app.post(
    `${DEALS}/:dealId/cancel`,
    { schema: doc(TAG, 'Cancel the deal (not after a payout attempt)', { params }) },
    async (request) =>
      ports.transaction(async (tx) => {
        const { dealId } = request.params as { dealId: string };
        const deal = await dealOf(ports, tx, dealId);
        const d = decideCancel(deal);
        if (!d.ok) refused(d);
        await worldOf(ports, tx, [...d.releases.keys()]);
        for (const [id, amount] of d.releases) await store.moveBalance(tx, id, amount, -amount);
        await store.cancelSteps(tx, dealId);
        await store.setDealStatus(tx, dealId, 'CANCELLED', sim.clock.now());
        await ports.notify(tx, { type: 'DEAL_CANCELLED', objectId: dealId, status: 'CANCELLED' });
        return dealOf(ports, tx, dealId);
      }),
  );
}
