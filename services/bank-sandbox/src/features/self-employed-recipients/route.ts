import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import {
  checkRecipientInn,
  type FieldError,
  NPD_STATUSES,
  type NpdStatus,
  RECIPIENTS_PER_CALL_MAX,
  REGISTRATION_MS,
} from '../../domain/self-employed.ts';
import { numberField } from '../../http/lossless-body.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { found, LIST_LIMIT_MAX } from '../http.ts';
import {
  CORRELATION_ID,
  resultRoute,
  SELF_EMPLOYED_PREFIX,
  seDoc,
  startOperation,
} from '../self-employed.ts';

const RECIPIENTS = `${SELF_EMPLOYED_PREFIX}/recipients`;
const INN = {
  type: 'string',
  pattern: '^\\d{12}$',
  description: "A person's INN, checked by its control digits",
};
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const PROFILE = {
  birthDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  birthPlace: text(300),
  citizenship: text(100),
  email: text(254),
  mobileNumber: { type: 'string', pattern: '^\\+?\\d{10,15}$' },
} as const;

const CREATE = {
  type: 'object',
  additionalProperties: false,
  required: ['recipients'],
  properties: {
    correlationId: CORRELATION_ID,
    recipients: {
      type: 'array',
      minItems: 1,
      maxItems: RECIPIENTS_PER_CALL_MAX,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['number', 'inn', 'firstName', 'lastName'],
        properties: {
          number: numberField("The recipient's number in this call", 1, 1_000_000),
          inn: INN,
          firstName: text(100),
          lastName: text(100),
          middleName: text(100),
          ...PROFILE,
        },
      },
    },
  },
} as const;

const LIST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    recipientIds: {
      type: 'array',
      maxItems: LIST_LIMIT_MAX,
      items: numberField('A recipient', 1, 2 ** 31 - 1),
    },
    inn: { type: 'array', maxItems: LIST_LIMIT_MAX, items: INN },
    selfEmployedStatus: { type: 'array', maxItems: 4, items: { type: 'string', enum: NPD_STATUSES } },
    offset: numberField('Recipients to skip', 0, 1_000_000),
    limit: numberField('Recipients in the page (default 50)', 1, LIST_LIMIT_MAX),
  },
} as const;

interface Draft {
  number: number;
  inn: string;
  firstName: string;
  lastName: string;
  middleName?: string;
  [field: string]: unknown;
}

const profileOf = (d: Draft) => Object.fromEntries(Object.entries(d).filter(([k]) => k in PROFILE));

/** One draft of recipients/create: CREATED with its id, or ERROR with why (as the bank's result says). */
async function createOne(tx: Queryable, ports: BankPorts, d: Draft, now: Date) {
  const who = {
    number: d.number,
    firstName: d.firstName,
    lastName: d.lastName,
    middleName: d.middleName ?? null,
  };
  const invalid = checkRecipientInn(d.inn);
  const id = invalid
    ? undefined
    : await ports.store.insertSelfEmployed(tx, {
        ...d,
        profile: profileOf(d),
        npdDueAt: new Date(now.getTime() + REGISTRATION_MS),
        now,
      });
  const errors: FieldError[] = invalid
    ? [invalid]
    : id === undefined
      ? [{ fieldName: 'inn', errorDescription: `A recipient with INN ${d.inn} exists already` }]
      : [];
  return {
    pending: { ...who, status: 'QUEUED', errors: [] },
    result:
      id === undefined
        ? { ...who, status: 'ERROR', errors }
        : { ...who, status: 'CREATED', recipientId: id, errors },
  };
}

/** Self-employed recipients: create (asynchronous, by correlationId), list and get. */
export function selfEmployedRecipientRoutes(app: FastifyInstance, ports: BankPorts): void {
  app.post(
    `${RECIPIENTS}/create`,
    {
      schema: seDoc(
        'Create recipients; each starts REGISTRATION_WAIT (poll recipients/create/result)',
        { body: CREATE },
        true,
      ),
    },
    async (request, reply) => {
      const { recipients } = request.body as { recipients: Draft[] };
      if (new Set(recipients.map((r) => r.number)).size !== recipients.length)
        throw bankErrors.VALIDATION_ERROR('Each recipient needs its own number');
      return startOperation(ports, request, reply, 'recipients/create', async (tx, now) => {
        const done = [];
        for (const d of recipients) done.push(await createOne(tx, ports, d, now));
        return {
          pending: { recipientResults: done.map((x) => x.pending) },
          result: { recipientResults: done.map((x) => x.result) },
        };
      });
    },
  );
  resultRoute(app, ports, `${RECIPIENTS}/create`, 'recipients/create');

  app.post(
    `${RECIPIENTS}/list`,
    {
      schema: seDoc('Recipients by ids, INNs or NPD statuses (a query: no Idempotency-Key)', { body: LIST }),
    },
    async (request) => {
      const b = (request.body ?? {}) as {
        recipientIds?: number[];
        inn?: string[];
        selfEmployedStatus?: NpdStatus[];
        offset?: number;
        limit?: number;
      };
      return {
        recipients: await ports.store.listSelfEmployed(ports.db, {
          ...b,
          limit: b.limit ?? 50,
          offset: b.offset ?? 0,
        }),
      };
    },
  );

  app.get(
    `${RECIPIENTS}/:recipientId`,
    {
      schema: seDoc("Get a recipient (the sandbox's shortcut for list by one id)", {
        params: {
          type: 'object',
          required: ['recipientId'],
          properties: { recipientId: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 } },
        },
      }),
    },
    async (request) => {
      const { recipientId } = request.params as { recipientId: number };
      return found(await ports.store.findSelfEmployed(ports.db, recipientId), 'Recipient');
    },
  );
}
