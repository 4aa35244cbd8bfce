import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import { checkPayee, type FieldError, PAYMENTS_PER_REGISTRY_MAX } from '../../domain/self-employed.ts';
import { numberField, rublesField } from '../../http/lossless-body.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { found } from '../http.ts';
import {
  CORRELATION_ID,
  resultRoute,
  SELF_EMPLOYED_PREFIX,
  seDoc,
  startOperation,
} from '../self-employed.ts';

const REGISTRY = `${SELF_EMPLOYED_PREFIX}/payment-registry`;
const CREATE = {
  type: 'object',
  additionalProperties: false,
  required: ['payments'],
  properties: {
    correlationId: CORRELATION_ID,
    registryCreateType: {
      type: 'string',
      enum: ['FAIL_ERRORS', 'IGNORE_ERRORS'],
      description: 'FAIL_ERRORS (default): any bad payment fails the registry; IGNORE_ERRORS leaves it out',
    },
    payments: {
      type: 'array',
      minItems: 1,
      maxItems: PAYMENTS_PER_REGISTRY_MAX,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['number', 'recipientId', 'sum', 'paymentPurpose'],
        properties: {
          number: numberField("The payment's number in the registry", 1, 1_000_000),
          recipientId: numberField('The self-employed recipient (ACTIVE)', 1, 2 ** 31 - 1),
          sum: rublesField('The payment'),
          paymentPurpose: { type: 'string', minLength: 1, maxLength: 210 },
        },
      },
    },
  },
} as const;

interface Payment {
  number: number;
  recipientId: number;
  sum: bigint;
  paymentPurpose: string;
}

/** Checks each payment's recipient; the good ones become a DRAFT registry unless the mode says fail. */
async function createRegistry(
  tx: Queryable,
  ports: BankPorts,
  body: { registryCreateType?: 'FAIL_ERRORS' | 'IGNORE_ERRORS'; payments: Payment[] },
  now: Date,
) {
  const paymentErrors: Array<{ number: number; errors: FieldError[] }> = [];
  const good: Payment[] = [];
  for (const p of body.payments) {
    const recipient = await ports.store.findSelfEmployed(tx, p.recipientId);
    const error = checkPayee(recipient && { npdStatus: recipient.selfEmployedStatus });
    if (error) paymentErrors.push({ number: p.number, errors: [error] });
    else good.push(p);
  }
  const failAll = (body.registryCreateType ?? 'FAIL_ERRORS') === 'FAIL_ERRORS' && paymentErrors.length > 0;
  if (failAll || good.length === 0)
    return {
      pending: { status: 'QUEUED' },
      result: {
        status: 'ERROR',
        error: { fieldName: 'payments', errorDescription: 'The registry has payments that cannot be made' },
        paymentErrors,
      },
    };
  const registryId = await ports.store.insertRegistry(
    tx,
    good.map((p) => ({
      number: p.number,
      recipientId: p.recipientId,
      amount: p.sum,
      purpose: p.paymentPurpose,
    })),
    now,
  );
  return {
    registryId,
    pending: { status: 'QUEUED' },
    result: { status: 'CREATED', paymentRegistryId: registryId, paymentErrors },
  };
}

/** The registry card: its status, count and total, and each payment with its receipt. */
async function registryCard(db: Queryable, ports: BankPorts, id: number) {
  const status = found(await ports.store.registryStatus(db, id), 'Payment registry');
  const payments = await ports.store.registryPayments(db, id);
  return {
    paymentRegistryId: id,
    status,
    paymentsCount: payments.length,
    totalSum: payments.reduce((sum, p) => sum + p.sum, 0n),
    payments: payments.map(({ npdStatus: _npd, receipt, ...p }) => ({
      ...p,
      receiptStatus: receipt?.status ?? null,
    })),
  };
}

/** Payment registries: a batch of payments to self-employed recipients, created as a DRAFT. */
export function selfEmployedRegistryRoutes(app: FastifyInstance, ports: BankPorts): void {
  app.post(
    `${REGISTRY}/create`,
    {
      schema: seDoc(
        'Create a payment registry (a DRAFT; poll payment-registry/create/result)',
        { body: CREATE },
        true,
      ),
    },
    async (request, reply) => {
      const body = request.body as { payments: Payment[] };
      if (new Set(body.payments.map((p) => p.number)).size !== body.payments.length)
        throw bankErrors.VALIDATION_ERROR('Each payment needs its own number');
      return startOperation(ports, request, reply, 'payment-registry/create', (tx, now) =>
        createRegistry(tx, ports, body, now),
      );
    },
  );
  resultRoute(app, ports, `${REGISTRY}/create`, 'payment-registry/create');

  app.get(
    `${REGISTRY}/:paymentRegistryId`,
    {
      schema: seDoc('Get a payment registry with its payments', {
        params: {
          type: 'object',
          required: ['paymentRegistryId'],
          properties: { paymentRegistryId: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 } },
        },
      }),
    },
    async (request) => {
      const { paymentRegistryId } = request.params as { paymentRegistryId: number };
      return registryCard(ports.db, ports, paymentRegistryId);
    },
  );
}
