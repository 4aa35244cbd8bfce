import { NPD_STATUSES, RECIPIENTS_PER_CALL_MAX } from '../../domain/self-employed.ts';
import { numberField } from '../../http/lossless-body.ts';
import { LIST_LIMIT_MAX } from '../http.ts';
import { CORRELATION_ID } from '../self-employed.ts';

/** The bodies of recipients/create, /add/by-requisites and /list (a subset of the bank's recipient form). */
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

const BANK_INFO = {
  type: 'object',
  additionalProperties: false,
  required: ['accountNumber'],
  properties: {
    accountNumber: { type: 'string', pattern: '^\\d{20}$' },
    bankBic: { type: 'string', pattern: '^\\d{9}$', description: "Default: the bank's own" },
  },
} as const;

/** Fields kept on the recipient beside its name and INN. */
export const PROFILE_KEYS: ReadonlySet<string> = new Set([...Object.keys(PROFILE), 'bankInfo']);

/** recipients/create's body; /add/by-requisites takes the same with the person's account (bankInfo). */
export function recipientsBody(byRequisites: boolean) {
  return {
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
          required: ['number', 'inn', 'firstName', 'lastName', ...(byRequisites ? ['bankInfo'] : [])],
          properties: {
            number: numberField("The recipient's number in this call", 1, 1_000_000),
            inn: INN,
            firstName: text(100),
            lastName: text(100),
            middleName: text(100),
            ...PROFILE,
            ...(byRequisites ? { bankInfo: BANK_INFO } : {}),
          },
        },
      },
    },
  };
}

export const LIST = {
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
