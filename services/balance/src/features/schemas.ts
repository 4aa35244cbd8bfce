import { Id } from '@strongbox/http';
import { Type } from 'typebox';
import { type Metadata as MetadataType, PENDING_TIMEOUT_MAX_S, TRANSFER_STATUSES } from '../domain/ledger.ts';

/** Shapes shared by balance's use cases (strict: unknown fields are rejected). */
const NO_NUL = '^[^\\u0000]*$';
export const METADATA_KEYS_MAX = 50;
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 20;

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
export const Amount = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer minor units (cents), 1 to 2^53 - 1',
});
export const Description = Type.String({ maxLength: 500, pattern: NO_NUL });

export const Metadata = Type.Unsafe<MetadataType>({
  type: 'object',
  description: `Up to ${METADATA_KEYS_MAX} keys; values are strings, integers, booleans or null`,
  maxProperties: METADATA_KEYS_MAX,
  propertyNames: { minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_.:-]+$' },
  additionalProperties: {
    anyOf: [
      { type: 'string', maxLength: 500, pattern: NO_NUL },
      { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
      { type: 'boolean' },
      { type: 'null' },
    ],
  },
});
const MetadataOut = Type.Object({}, { additionalProperties: true });

export const NewTransferBody = Type.Object(
  {
    debitAccountId: Id,
    creditAccountId: Id,
    amount: Amount,
    currency: Currency,
    description: Type.Optional(Description),
    metadata: Type.Optional(Metadata),
    pending: Type.Optional(Type.Boolean({ description: 'Hold the amount until posted, voided or expired' })),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: PENDING_TIMEOUT_MAX_S, description: 'Only with pending: true' }),
    ),
  },
  { additionalProperties: false },
);
export interface NewTransferInput {
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  currency: string;
  description?: string;
  metadata?: MetadataType;
  pending?: boolean;
  timeoutSeconds?: number;
}

export const AccountView = Type.Object({
  id: Type.String(),
  ownerId: Type.String(),
  currency: Type.String(),
  name: Type.String(),
  balance: Type.Integer({ description: 'Posted credits minus posted debits' }),
  held: Type.Integer({ description: 'Held by pending transfers' }),
  available: Type.Integer({ description: 'balance - held' }),
  allowNegative: Type.Boolean(),
  metadata: MetadataOut,
  createdAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});

export const TransferView = Type.Object({
  id: Type.String(),
  debitAccountId: Type.String(),
  creditAccountId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: Type.Union(TRANSFER_STATUSES.map((s) => Type.Literal(s))),
  postedAmount: Type.Integer(),
  description: Type.Union([Type.String(), Type.Null()]),
  metadata: MetadataOut,
  traceId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const EntryView = Type.Object({
  accountId: Type.String(),
  transferId: Type.String(),
  direction: Type.Union([Type.Literal('debit'), Type.Literal('credit')]),
  amount: Type.Integer(),
  balanceAfter: Type.Integer(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export const page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
