import type { FastifyInstance } from 'fastify';
import {
  checkPayee,
  checkRegistryAction,
  FISCALIZATION_MS,
  payResultStatus,
} from '../../domain/self-employed.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { found } from '../http.ts';
import {
  CORRELATION_ID,
  REGISTRY_ID,
  resultRoute,
  SELF_EMPLOYED_PREFIX,
  type Started,
  seDoc,
  startOperation,
} from '../self-employed.ts';

const REGISTRY = `${SELF_EMPLOYED_PREFIX}/payment-registry`;
const ACTION = {
  type: 'object',
  additionalProperties: false,
  required: ['paymentRegistryId'],
  properties: { correlationId: CORRELATION_ID, paymentRegistryId: REGISTRY_ID },
} as const;

const refused = (paymentRegistryId: number, errorMessage: string) => ({
  paymentRegistryId,
  status: 'ERROR',
  error: { errorCode: 'CONFLICT', errorMessage },
});

/** Signing moves a DRAFT to SUBMITTED. */
async function submit(tx: Queryable, ports: BankPorts, id: number, now: Date) {
  const status = found(await ports.store.registryStatus(tx, id, true), 'Payment registry');
  const pending = { paymentRegistryId: id, status: 'IN_PROGRESS' };
  const refusal = checkRegistryAction('submit', status);
  if (refusal) return { registryId: id, pending, result: refused(id, refusal) };
  await ports.store.setRegistryStatus(tx, id, 'SUBMITTED', now);
  return {
    registryId: id,
    pending,
    result: { paymentRegistryId: id, status: 'ACCEPTED', paymentErrors: [] },
  };
}

/**
 * Paying a SUBMITTED registry: each payment whose recipient is still ACTIVE is executed and its receipt
 * starts IN_PROGRESS (the tick worker issues it); the others are refused. The registry is PROCESSING
 * until its receipts are done.
 */
async function pay(tx: Queryable, ports: BankPorts, id: number, now: Date) {
  const { store } = ports;
  const status = found(await store.registryStatus(tx, id, true), 'Payment registry');
  const pending = { paymentRegistryId: id, status: 'SEND_IN_PROGRESS', count: 0, paymentResults: [] };
  const refusal = checkRegistryAction('pay', status);
  if (refusal) return { registryId: id, pending, result: refused(id, refusal) };
  const paymentResults = [];
  for (const p of await store.registryPayments(tx, id, true)) {
    const error = checkPayee({ npdStatus: p.npdStatus });
    await store.settleRegistryPayment(
      tx,
      id,
      p.number,
      error
        ? { paid: false, errors: [error] }
        : { paid: true, receiptDueAt: new Date(now.getTime() + FISCALIZATION_MS) },
    );
    paymentResults.push({
      number: p.number,
      paymentStatus: error ? 'ERROR' : 'EXECUTED',
      errors: error ? [error] : [],
    });
  }
  await store.setRegistryStatus(tx, id, 'PROCESSING', now);
  await store.settleRegistry(tx, id, now);
  const count = paymentResults.filter((r) => r.paymentStatus === 'EXECUTED').length;
  return {
    registryId: id,
    pending,
    result: {
      paymentRegistryId: id,
      status: payResultStatus(count, paymentResults.length),
      count,
      paymentResults,
    },
  };
}

/** The receipts of a registry as they are when the result is read: they are issued and annulled later. */
async function receipts(db: Queryable, ports: BankPorts, id: number | null) {
  const registryId = id as number;
  const status = found(await ports.store.registryStatus(db, registryId), 'Payment registry');
  if (status === 'DRAFT' || status === 'SUBMITTED')
    return {
      status: 'ERROR',
      error: { errorCode: 'CONFLICT', errorMessage: `The registry is ${status}, not paid` },
      receipts: [],
    };
  const payments = await ports.store.registryPayments(db, registryId);
  return {
    status: 'FINISHED',
    receipts: payments
      .filter((p) => p.receipt !== null)
      .map((p) => ({
        number: p.number,
        selfEmployedInfo: p.selfEmployedInfo,
        status: p.receipt?.status,
        receiptNumber: p.receipt?.receiptNumber ?? null,
        link: p.receipt?.link ?? null,
        sum: p.sum,
        error: p.receipt?.error ?? null,
      })),
  };
}

/** Sign, pay, and ask for the receipts of a registry: each asynchronous, polled at its /result. */
export function selfEmployedRegistryActionRoutes(app: FastifyInstance, ports: BankPorts): void {
  const action = (
    path: 'submit' | 'pay' | 'receipts',
    summary: string,
    work: (tx: Queryable, ports: BankPorts, id: number, now: Date) => Promise<Started>,
  ) => {
    app.post(
      `${REGISTRY}/${path}`,
      { schema: seDoc(summary, { body: ACTION }, true) },
      async (request, reply) => {
        const { paymentRegistryId } = request.body as { paymentRegistryId: number };
        return startOperation(ports, request, reply, `payment-registry/${path}`, (tx, now) =>
          work(tx, ports, paymentRegistryId, now),
        );
      },
    );
  };
  action('submit', 'Sign a DRAFT registry (poll payment-registry/submit/result)', submit);
  resultRoute(app, ports, `${REGISTRY}/submit`, 'payment-registry/submit');
  action('pay', 'Pay a SUBMITTED registry (poll payment-registry/pay/result)', pay);
  resultRoute(app, ports, `${REGISTRY}/pay`, 'payment-registry/pay');
  action(
    'receipts',
    "Ask for a paid registry's receipts (poll payment-registry/receipts/result)",
    async (tx, p, id) => {
      found(await p.store.registryStatus(tx, id), 'Payment registry');
      return { registryId: id, pending: { status: 'IN_PROGRESS', receipts: [] }, result: null };
    },
  );
  const live = (db: Queryable, id: number | null) => receipts(db, ports, id);
  resultRoute(app, ports, `${REGISTRY}/receipts`, 'payment-registry/receipts', live);
  // The bank serves this one result under v2 as well; both read the same calls.
  resultRoute(
    app,
    ports,
    '/api/v2/self-employed/payment-registry/receipts',
    'payment-registry/receipts',
    live,
  );
}
