import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../../domain/errors.ts';
import {
  checkBankInfo,
  checkRecipientInn,
  type FieldError,
  type NpdStatus,
  REGISTRATION_MS,
} from '../../domain/self-employed.ts';
import type { BankPorts, Queryable } from '../../ports.ts';
import { found } from '../http.ts';
import {
  emptyBodyAsNoFilters,
  resultRoute,
  SELF_EMPLOYED_PREFIX,
  seDoc,
  startOperation,
} from '../self-employed.ts';
import { LIST, PROFILE_KEYS, recipientsBody } from './schema.ts';

const RECIPIENTS = `${SELF_EMPLOYED_PREFIX}/recipients`;

interface Draft {
  number: number;
  inn: string;
  firstName: string;
  lastName: string;
  middleName?: string;
  bankInfo?: { accountNumber: string; bankBic?: string };
  [field: string]: unknown;
}

const profileOf = (d: Draft) => Object.fromEntries(Object.entries(d).filter(([k]) => PROFILE_KEYS.has(k)));

/** One recipient of the call: CREATED with its id, or ERROR with why (as the bank's result says). */
async function addOne(tx: Queryable, ports: BankPorts, d: Draft, now: Date) {
  const who = {
    number: d.number,
    firstName: d.firstName,
    lastName: d.lastName,
    middleName: d.middleName ?? null,
  };
  const invalid = checkRecipientInn(d.inn) ?? (d.bankInfo ? checkBankInfo(d.bankInfo) : undefined);
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

/** An asynchronous call that adds recipients: create (a new form) or add/by-requisites (a known account). */
function addRecipientsRoute(
  app: FastifyInstance,
  ports: BankPorts,
  kind: 'recipients/create' | 'recipients/add/by-requisites',
  summary: string,
): void {
  const path = `${SELF_EMPLOYED_PREFIX}/${kind}`;
  const body = recipientsBody(kind === 'recipients/add/by-requisites');
  app.post(path, { schema: seDoc(summary, { body }, true) }, async (request, reply) => {
    const { recipients } = request.body as { recipients: Draft[] };
    if (new Set(recipients.map((r) => r.number)).size !== recipients.length)
      throw bankErrors.VALIDATION_ERROR('Each recipient needs its own number');
    return startOperation(ports, request, reply, kind, async (tx, now) => {
      const done = [];
      for (const d of recipients) done.push(await addOne(tx, ports, d, now));
      return {
        pending: { recipientResults: done.map((x) => x.pending) },
        result: { recipientResults: done.map((x) => x.result) },
      };
    });
  });
  resultRoute(app, ports, path, kind);
}

/** Self-employed recipients: added asynchronously (polled by correlationId), listed and read. */
export function selfEmployedRecipientRoutes(app: FastifyInstance, ports: BankPorts): void {
  addRecipientsRoute(
    app,
    ports,
    'recipients/create',
    'Create recipients; each starts REGISTRATION_WAIT (poll recipients/create/result)',
  );
  addRecipientsRoute(
    app,
    ports,
    'recipients/add/by-requisites',
    'Add recipients by their account (bankInfo); each starts REGISTRATION_WAIT (poll .../result)',
  );

  app.post(
    `${RECIPIENTS}/list`,
    {
      schema: seDoc('Recipients by ids, INNs or NPD statuses (a query: no Idempotency-Key)', { body: LIST }),
      preValidation: emptyBodyAsNoFilters,
    },
    async (request) => {
      const b = request.body as {
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
