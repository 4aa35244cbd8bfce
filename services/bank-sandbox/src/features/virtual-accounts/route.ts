import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import { decideTransfer } from '../../domain/virtual-accounts.ts';
import { rublesField } from '../../http/lossless-body.ts';
import type { BankPorts } from '../../ports.ts';
import { doc, found, idParams, keyed, NOMINAL_PREFIX, PAGE_QUERY, sendOutcome, UUID } from '../http.ts';

const TAG = 'Virtual accounts';
const VIRTUAL = `${NOMINAL_PREFIX}/virtual-accounts`;
const ACCOUNT_NUMBER = { type: 'string', pattern: '^(\\d{20}|\\d{22})$', description: 'The nominal account' };
const PARTY = {
  type: 'object',
  additionalProperties: false,
  required: ['beneficiaryId'],
  properties: { beneficiaryId: UUID },
} as const;
const TRANSFER = {
  type: 'object',
  additionalProperties: false,
  required: ['accountNumber', 'from', 'to', 'amount'],
  properties: {
    accountNumber: ACCOUNT_NUMBER,
    from: PARTY,
    to: PARTY,
    amount: rublesField('The transfer'),
    purpose: { type: 'string', minLength: 1, maxLength: 210 },
  },
} as const;
const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { accountNumber: ACCOUNT_NUMBER, beneficiaryId: UUID, ...PAGE_QUERY.properties },
} as const;

interface TransferBody {
  accountNumber: string;
  from: { beneficiaryId: string };
  to: { beneficiaryId: string };
  amount: bigint;
  purpose?: string;
}

/**
 * Holds and DIRECT transfers between beneficiaries' virtual accounts, at the bank's paths. A transfer
 * moves free money only, so neither figure of either account can go negative; holds are what accepted
 * deals keep aside (TO_DEAL / FROM_DEAL in the bank's words happen through accept, draft and cancel).
 */
export function virtualAccountRoutes(app: FastifyInstance, ports: BankPorts): void {
  const { store, sim } = ports;
  const nominal = (accountNumber: string | undefined) => {
    if (accountNumber !== undefined && accountNumber !== ports.settings.nominalAccount)
      throw bankErrors.NOT_FOUND(`No nominal account ${accountNumber}`);
  };

  app.get(
    `${VIRTUAL}/holds`,
    { schema: doc(TAG, "Holds on beneficiaries' virtual accounts", { querystring: LIST_QUERY }) },
    async (request) => {
      const q = request.query as {
        accountNumber?: string;
        beneficiaryId?: string;
        limit: number;
        offset: number;
      };
      nominal(q.accountNumber);
      return { results: await store.listHolds(ports.db, q.beneficiaryId, q.limit, q.offset) };
    },
  );

  app.post(
    `${VIRTUAL}/transfers`,
    {
      schema: doc(
        TAG,
        "Move free money from one beneficiary's virtual account to another's",
        { body: TRANSFER },
        true,
      ),
    },
    async (request, reply) => {
      const b = request.body as TransferBody;
      nominal(b.accountNumber);
      const outcome = await ports.idempotent(keyed(request), async (tx) => {
        const from = b.from.beneficiaryId;
        const to = b.to.beneficiaryId;
        // Both rows are locked in id order, so two opposite transfers at once never deadlock.
        const accounts = await store.lockBalances(tx, [from, to]);
        const d = decideTransfer(from, to, b.amount, accounts);
        if (!d.ok) throw bankErrors[d.code](d.message);
        await store.moveBalance(tx, from, -b.amount, 0n);
        await store.moveBalance(tx, to, b.amount, 0n);
        const body = await store.insertTransfer(tx, {
          id: ports.newId(),
          from,
          to,
          amount: b.amount,
          purpose: b.purpose ?? '',
          now: sim.clock.now(),
        });
        return { status: 201, body };
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    `${VIRTUAL}/transfers`,
    { schema: doc(TAG, 'Transfers from or to a virtual account', { querystring: LIST_QUERY }) },
    async (request) => {
      const q = request.query as {
        accountNumber?: string;
        beneficiaryId?: string;
        limit: number;
        offset: number;
      };
      nominal(q.accountNumber);
      return { results: await store.listTransfers(ports.db, q.beneficiaryId, q.limit, q.offset) };
    },
  );

  app.get(
    `${VIRTUAL}/transfers/:transferId`,
    { schema: doc(TAG, 'One transfer', { params: idParams('transferId') }) },
    async (request) => {
      const { transferId } = request.params as { transferId: string };
      return found(await store.findTransfer(ports.db, transferId), 'Transfer');
    },
  );
}
