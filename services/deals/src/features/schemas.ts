import { Id, ProblemRef, Timestamp } from '@strongbox/http';
import { Type } from 'typebox';
import { HOLD_HOURS_MAX, MILESTONES_PER_DEAL_MAX, TITLE_LENGTH_MAX } from '../domain/deal.ts';
import { LEGAL_TYPES, RECIPIENT_NAME_LENGTH_MAX, RECIPIENT_ROLES } from '../domain/recipient.ts';
import { BASIS_POINTS_TOTAL, RECIPIENTS_PER_SPLIT_MAX } from '../domain/split.ts';

/** Shapes shared by the deals use cases (strict: unknown fields are refused). */
const NO_NUL = '^[^\\u0000]*$';
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 20;
export const REASON_LENGTH_MAX = 2_000;
export const DEAL_STATUSES = [
  'draft',
  'submitted',
  'awaiting_payment',
  'funded',
  'releasing',
  'completed',
  'cancelled',
  'disputed',
  'refunded',
  'partially_refunded',
] as const;

export const Amount = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer minor units (kopecks), 1 to 2^53 - 1',
});
export const Title = Type.String({ minLength: 1, maxLength: TITLE_LENGTH_MAX, pattern: NO_NUL });

export const Share = Type.Union([
  Type.Object({ fixed: Amount }, { additionalProperties: false }),
  Type.Object(
    { percentBp: Type.Integer({ minimum: 1, maximum: BASIS_POINTS_TOTAL, description: 'Basis points' }) },
    { additionalProperties: false },
  ),
]);
export const ShareRule = Type.Object({ recipientId: Id, share: Share }, { additionalProperties: false });
export const Recipients = Type.Array(ShareRule, { minItems: 1, maxItems: RECIPIENTS_PER_SPLIT_MAX });

export const Release = Type.Union([
  Type.Object({ kind: Type.Literal('immediate') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('payer_confirms') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('on_date'), at: Timestamp }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('hold_hours'), hours: Type.Integer({ minimum: 1, maximum: HOLD_HOURS_MAX }) },
    { additionalProperties: false },
  ),
]);

export const MilestoneInput = Type.Object(
  { title: Title, amount: Amount, release: Release, recipients: Recipients },
  { additionalProperties: false },
);
export const Milestones = Type.Array(MilestoneInput, { minItems: 1, maxItems: MILESTONES_PER_DEAL_MAX });

export type ShareInput = { fixed: number } | { percentBp: number };
export type ReleaseInput =
  | { kind: 'immediate' }
  | { kind: 'payer_confirms' }
  | { kind: 'on_date'; at: string }
  | { kind: 'hold_hours'; hours: number };
export interface MilestoneBody {
  title: string;
  amount: number;
  release: ReleaseInput;
  recipients: Array<{ recipientId: string; share: ShareInput }>;
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** The tax receipt of a payout to a self-employed recipient, as the bank last answered it. */
export const ReceiptView = Type.Object({
  status: Type.String({ description: 'IN_PROGRESS, SUCCESS, CANCELED, FISCALIZE_FAILED or ERROR' }),
  receiptNumber: Nullable(Type.String()),
  link: Nullable(Type.String()),
});

const PayoutView = Type.Object({
  id: Type.String(),
  recipientId: Type.String(),
  amount: Type.Integer({ description: 'Minor units' }),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('held'),
    Type.Literal('paid'),
    Type.Literal('failed'),
  ]),
  failure: Nullable(Type.String()),
  hold: Nullable(
    Type.Object({
      reason: Type.String({ description: 'npd_not_active or npd_year_limit' }),
      detail: Type.String(),
    }),
  ),
  receipt: Nullable(ReceiptView),
});

const RuleView = Type.Object({
  recipientId: Type.String(),
  share: Type.Union([Type.Object({ fixed: Type.Integer() }), Type.Object({ percentBp: Type.Integer() })]),
  minimum: Type.Optional(Type.Integer()),
});

const MilestoneView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  amount: Type.Integer({ description: 'Minor units' }),
  release: Type.Object({
    kind: Type.String(),
    at: Type.Optional(Type.String({ format: 'date-time' })),
    hours: Type.Optional(Type.Integer()),
  }),
  rules: Type.Array(RuleView),
  status: Type.String(),
  payouts: Type.Array(PayoutView),
});

export const DealView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  createdBy: Type.String({ description: 'The agent who drafted the deal' }),
  payerId: Type.String(),
  currency: Type.Literal('RUB'),
  amount: Type.Integer({ description: 'Minor units: the sum of the milestones' }),
  status: Type.Union(DEAL_STATUSES.map((s) => Type.Literal(s))),
  bankDealId: Nullable(Type.String()),
  paymentPurpose: Type.String({
    description:
      'The purpose the payer writes on the transfer into the nominal account: it names the deal, and money without it is not matched',
  }),
  heldAmount: Type.Integer({ description: 'Funded and neither released nor refunded, in minor units' }),
  refundedAmount: Type.Integer(),
  milestones: Type.Array(MilestoneView),
  dispute: Nullable(Type.Object({ id: Type.String(), openedBy: Type.String(), reason: Type.String() })),
  version: Type.Integer({ description: 'The stream version; send it back as If-Match' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

/**
 * Where and what the payer pays, on a deal awaiting payment: the marketplace's nominal account at the bank,
 * the amount in minor units, and the purpose that names the deal (money without it is not matched).
 */
export const PayTo = Type.Object({
  accountNumber: Type.String({ pattern: '^\\d{20}$' }),
  bik: Nullable(Type.String({ pattern: '^\\d{9}$' })),
  bankName: Nullable(Type.String()),
  payeeName: Nullable(Type.String()),
  payeeInn: Nullable(Type.String()),
  amount: Type.Integer({ description: 'Minor units' }),
  purpose: Type.String(),
});

/** One deal as GET /v1/deals/{id} answers it: the list's view, and while it awaits payment, where to pay. */
export const DealDetail = Type.Object({ ...DealView.properties, payTo: Type.Optional(PayTo) });

export const Page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ListLimit = Type.Optional(
  Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT }),
);
export const Cursor = Type.Optional(Type.String({ maxLength: 200 }));

export const RecipientBody = Type.Object(
  {
    // platform_fee is accepted by the shape only to be refused with its own code (recipient_role_reserved).
    role: Type.Optional(
      Type.Union(
        RECIPIENT_ROLES.map((r) => Type.Literal(r)),
        {
          description: 'agent (the default for a new profile), agency or lead; kept when omitted',
        },
      ),
    ),
    legalType: Type.Union(LEGAL_TYPES.map((t) => Type.Literal(t))),
    name: Type.String({ minLength: 1, maxLength: RECIPIENT_NAME_LENGTH_MAX, pattern: NO_NUL }),
    inn: Type.String({
      pattern: '^(\\d{10}|\\d{12})$',
      description: '10 digits for a company, 12 otherwise',
    }),
    bankDetails: Type.Object(
      {
        accountNumber: Type.String({ pattern: '^\\d{20}$' }),
        bik: Type.String({ pattern: '^\\d{9}$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const RecipientView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  role: Type.String(),
  legalType: Type.String(),
  name: Type.String(),
  inn: Type.String(),
  bankDetails: Type.Object({ accountNumber: Type.String(), bik: Type.String() }),
  bank: Type.Object(
    {
      registered: Type.Boolean({ description: 'A beneficiary at the bank' }),
      scoring: Nullable(Type.Union(['IN_PROGRESS', 'SUCCEEDED', 'FAILED'].map((s) => Type.Literal(s)))),
    },
    { description: 'The profile at the bank: deals naming it go there once its scoring SUCCEEDED' },
  ),
  npdStatus: Nullable(
    Type.String({
      description:
        "A self-employed recipient's NPD status as the bank last answered it (ACTIVE, NOT_ACTIVE, …): their payouts wait unless ACTIVE; null for other legal types or before the first check",
    }),
  ),
  npdCheckedAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

/** The problems a deal command may answer. */
export const PROBLEMS = {
  400: ProblemRef,
  403: ProblemRef,
  404: ProblemRef,
  409: ProblemRef,
  422: ProblemRef,
};

export const Reason = Type.String({ minLength: 1, maxLength: REASON_LENGTH_MAX, pattern: NO_NUL });
