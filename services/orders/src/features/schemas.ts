import { Id } from '@strongbox/http';
import { Type } from 'typebox';
import { ITEMS_MAX, ORDER_STATUSES } from '../domain/order.ts';

/** Shapes shared by the orders use cases (strict: unknown fields are rejected). */
const NO_NUL = '^[^\\u0000]*$';
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 20;

export const Amount = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer minor units (cents), 1 to 2^53 - 1',
});
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
const Status = Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)));

export const Item = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    amount: Type.Optional(Amount),
  },
  { additionalProperties: false },
);

export const NewOrderBody = Type.Object(
  {
    accountId: Id,
    merchantAccountId: Id,
    amount: Amount,
    currency: Currency,
    description: Type.Optional(Type.String({ maxLength: 500, pattern: NO_NUL })),
    items: Type.Optional(Type.Array(Item, { maxItems: ITEMS_MAX })),
  },
  { additionalProperties: false },
);
export interface NewOrderInput {
  accountId: string;
  merchantAccountId: string;
  amount: number;
  currency: string;
  description?: string;
  items?: Array<{ name: string; quantity: number; amount?: number }>;
}

export const OrderView = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  accountId: Type.String(),
  merchantAccountId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  items: Type.Array(Type.Object({}, { additionalProperties: true })),
  status: Status,
  holdTransferId: Type.Union([Type.String(), Type.Null()]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  traceId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  history: Type.Array(
    Type.Object({ status: Status, at: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) }),
  ),
});

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
