/**
 * The shapes the cabinet reads from the API, as the services' OpenAPI documents describe them. The
 * end-to-end test checks every operation in API_OPERATIONS and every field named here against the
 * gateway's merged document, so a renamed field or path fails a test instead of a screen.
 */

export interface Page<T> {
  readonly data: readonly T[];
  readonly nextCursor: string | null;
}

export interface Me {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly roles: readonly string[];
}

/** Login and refresh in cookie mode: the refresh token stays in its HttpOnly cookie. */
export interface SessionTokens {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/** A login (refresh-token family) of the caller's, GET /v1/auth/sessions. */
export interface Session {
  readonly id: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly current: boolean;
}

/** POST /v1/auth/totp/enroll: the pending secret, as a URI, a QR code (SVG markup) and text. */
export interface TotpEnrollment {
  readonly otpauthUri: string;
  readonly qrSvg: string;
  readonly secret: string;
}

export interface Account {
  readonly id: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly name: string;
  readonly balance: number;
  readonly held: number;
  readonly available: number;
  readonly createdAt: string;
}

export interface Entry {
  readonly accountId: string;
  readonly transferId: string;
  readonly direction: 'debit' | 'credit';
  readonly amount: number;
  readonly balanceAfter: number;
  readonly version: number;
  readonly createdAt: string;
}

export interface Transfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
  readonly createdAt: string;
}

export interface Order {
  readonly id: string;
  readonly accountId: string;
  readonly merchantAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly description: string | null;
  readonly status: string;
  readonly failureReason: string | null;
  readonly createdAt: string;
  readonly history: readonly {
    readonly status: string;
    readonly at: string;
    readonly reason: string | null;
  }[];
}

export type Share = { readonly fixed: number } | { readonly percentBp: number };
export type Release =
  | { readonly kind: 'immediate' }
  | { readonly kind: 'payer_confirms' }
  | { readonly kind: 'on_date'; readonly at: string }
  | { readonly kind: 'hold_hours'; readonly hours: number };
export interface ShareRule {
  readonly recipientId: string;
  readonly share: Share;
}

/** A self-employed's tax receipt for a payout, as the bank's NPD service reports it. */
export interface Receipt {
  /** IN_PROGRESS, SUCCESS, CANCELED, FISCALIZE_FAILED or ERROR. */
  readonly status: string;
  readonly receiptNumber: string | null;
  readonly link: string | null;
}

/** Why a payout waits: the recipient's NPD status (npd_not_active, npd_year_limit). */
export interface PayoutHold {
  readonly reason: string;
  readonly detail: string;
}

export interface Payout {
  readonly id: string;
  readonly recipientId: string;
  readonly amount: number;
  readonly status: 'pending' | 'held' | 'paid' | 'failed';
  readonly failure: string | null;
  readonly hold: PayoutHold | null;
  readonly receipt: Receipt | null;
}

export interface Milestone {
  readonly id: string;
  readonly title: string;
  readonly amount: number;
  readonly release: { readonly kind: string; readonly at?: string; readonly hours?: number };
  readonly rules: readonly ShareRule[];
  readonly status: string;
  readonly payouts: readonly Payout[];
}

export interface Deal {
  readonly id: string;
  readonly title: string;
  readonly createdBy: string;
  readonly payerId: string;
  readonly currency: string;
  readonly amount: number;
  readonly status: string;
  readonly bankDealId: string | null;
  readonly paymentPurpose: string;
  readonly heldAmount: number;
  readonly refundedAmount: number;
  readonly milestones: readonly Milestone[];
  readonly dispute: { readonly id: string; readonly openedBy: string; readonly reason: string } | null;
  /** Where the payer transfers the money: present while the deal awaits payment. */
  readonly payTo?: PayTo;
  readonly version: number;
  readonly createdAt: string;
}

/** The nominal account to pay into; a detail the deployment has not configured is null. */
export interface PayTo {
  readonly accountNumber: string;
  readonly bik: string | null;
  readonly bankName: string | null;
  readonly payeeName: string | null;
  readonly payeeInn: string | null;
  readonly purpose: string;
  readonly amount: number;
}

export type Resolution =
  | { readonly outcome: 'release' | 'full_refund' }
  | { readonly outcome: 'partial_refund'; readonly amount: number };

export interface NewMilestone {
  readonly title: string;
  readonly amount: number;
  readonly release: Release;
  readonly recipients: readonly ShareRule[];
}

export interface SplitPreview {
  readonly amount: number;
  readonly shares: readonly { readonly recipientId: string; readonly amount: number }[];
}

export const LEGAL_TYPES = ['individual', 'self_employed', 'sole_proprietor', 'company'] as const;
export type LegalType = (typeof LEGAL_TYPES)[number];

export interface RecipientInput {
  readonly legalType: LegalType;
  readonly name: string;
  readonly inn: string;
  readonly bankDetails: { readonly accountNumber: string; readonly bik: string };
}

export interface Recipient extends RecipientInput {
  readonly id: string;
  readonly userId: string;
  readonly bank: { readonly registered: boolean; readonly scoring: string | null };
  /** The self-employed's NPD status as the bank reports it; issue 11 names it, deals does not send it yet. */
  readonly npdStatus?: string | null;
}

export interface DealEvent {
  readonly version: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly traceId: string | null;
  readonly recordedAt: string;
}

export interface DeadLetter {
  readonly id: string;
  readonly consumer: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly state: string;
  readonly reason: string;
  readonly error: string;
  readonly attempts: number;
  readonly deadLetteredAt: string;
  readonly replays: number;
  readonly event?: unknown;
}

export interface Audit {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly checks: readonly {
    readonly name: string;
    readonly ok: boolean;
    readonly description: string;
    readonly offending: readonly string[];
  }[];
}

export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly roles: readonly string[];
}

/** What waits for an operator (GET /v1/admin/deals/queue), oldest first. The list of kinds is open. */
export const QUEUE_KINDS = [
  'dispute',
  'payout_failed',
  'payout_held',
  'receipt_cancelled',
  'refund_needs_operator',
  'reconciliation',
] as const;
export interface QueueItem {
  readonly id: string;
  readonly dealId: string;
  readonly kind: string;
  readonly reason: string;
  readonly since: string;
}

/** A share paid to the caller's payout profile (GET /v1/recipients/me/payouts), newest first. */
export interface MyPayout {
  readonly id: string;
  readonly dealId: string;
  readonly dealTitle: string;
  readonly dealStatus: string;
  readonly milestoneId: string;
  readonly milestoneTitle: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: Payout['status'];
  readonly failure: string | null;
  readonly hold: PayoutHold | null;
  readonly receipt: Receipt | null;
  readonly paidAt: string | null;
  readonly updatedAt: string;
}

/** A difference between the bank and deals that reconciliation found (GET /v1/admin/reconciliation). */
export type FindingSide = { readonly status: string } | { readonly amount: number };
export interface Finding {
  readonly id: string;
  readonly kind: 'deal_state' | 'escrow_balance' | 'virtual_account_balance';
  readonly subject: string;
  readonly dealId: string | null;
  readonly ours: FindingSide;
  readonly bank: FindingSide;
  readonly detail: string;
  readonly status: 'open' | 'resolved';
  readonly detectedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt: string | null;
}

/** The services whose dead letters the gateway routes (/v1/admin/dead-letters/<service>). */
export const DEAD_LETTER_SERVICES = ['orders', 'processor', 'webhooks'] as const;

/**
 * Every call the cabinet makes, as OpenAPI names it, with the fields of the answer it reads (for lists:
 * of each item in `data`). Checked against the gateway's /openapi.json by the end-to-end test.
 */
export const API_OPERATIONS = [
  { method: 'post', path: '/v1/auth/register', status: '201', fields: ['id'] },
  { method: 'post', path: '/v1/auth/login', status: '200', fields: ['accessToken', 'expiresIn'] },
  { method: 'post', path: '/v1/auth/refresh', status: '200', fields: ['accessToken', 'expiresIn'] },
  { method: 'post', path: '/v1/auth/logout', status: '204', fields: [] },
  { method: 'post', path: '/v1/auth/step-up', status: '200', fields: ['accessToken'] },
  { method: 'get', path: '/v1/me', status: '200', fields: ['id', 'email', 'name', 'roles'] },
  {
    method: 'get',
    path: '/v1/auth/sessions',
    status: '200',
    list: true,
    fields: ['id', 'createdAt', 'lastUsedAt', 'current'],
  },
  { method: 'delete', path: '/v1/auth/sessions/{id}', status: '204', fields: [] },
  { method: 'post', path: '/v1/auth/totp/enroll', status: '200', fields: ['qrSvg', 'secret'] },
  { method: 'post', path: '/v1/auth/totp/confirm', status: '200', fields: ['recoveryCodes'] },
  { method: 'post', path: '/v1/auth/totp/disable', status: '204', fields: [] },
  {
    method: 'get',
    path: '/v1/accounts',
    status: '200',
    list: true,
    fields: ['id', 'ownerId', 'currency', 'name', 'balance', 'held', 'available', 'createdAt'],
  },
  { method: 'post', path: '/v1/accounts', status: '201', fields: ['id', 'currency'] },
  {
    method: 'get',
    path: '/v1/accounts/{id}',
    status: '200',
    fields: ['id', 'currency', 'name', 'balance', 'held', 'available'],
  },
  {
    method: 'get',
    path: '/v1/accounts/{id}/entries',
    status: '200',
    list: true,
    fields: ['transferId', 'direction', 'amount', 'balanceAfter', 'version', 'createdAt'],
  },
  { method: 'post', path: '/v1/transfers', status: '201', fields: ['id', 'status'] },
  {
    method: 'get',
    path: '/v1/orders',
    status: '200',
    list: true,
    fields: ['id', 'amount', 'currency', 'status', 'createdAt'],
  },
  {
    method: 'get',
    path: '/v1/orders/{id}',
    status: '200',
    fields: [
      'id',
      'accountId',
      'merchantAccountId',
      'amount',
      'currency',
      'description',
      'status',
      'history',
    ],
  },
  { method: 'post', path: '/v1/deals/split-preview', status: '200', fields: ['amount', 'shares'] },
  { method: 'post', path: '/v1/deals', status: '201', fields: ['id', 'status', 'version'] },
  { method: 'post', path: '/v1/deals/{id}/submit', status: '200', fields: ['id', 'status'] },
  {
    method: 'get',
    path: '/v1/deals',
    status: '200',
    list: true,
    fields: ['id', 'title', 'amount', 'currency', 'status', 'createdAt'],
  },
  {
    method: 'get',
    path: '/v1/deals/{id}',
    status: '200',
    fields: [
      'id',
      'title',
      'createdBy',
      'payerId',
      'currency',
      'amount',
      'status',
      'bankDealId',
      'paymentPurpose',
      'heldAmount',
      'refundedAmount',
      'milestones',
      'dispute',
      'payTo',
      'version',
    ],
  },
  {
    method: 'post',
    path: '/v1/deals/{id}/disputes/{disputeId}/resolve',
    status: '200',
    fields: ['id', 'status', 'refundedAmount'],
  },
  {
    method: 'post',
    path: '/v1/deals/{id}/payouts/{payoutId}/retry',
    status: '200',
    fields: ['id', 'status'],
  },
  {
    method: 'get',
    path: '/v1/admin/deals/queue',
    status: '200',
    list: true,
    fields: ['id', 'dealId', 'kind', 'reason', 'since'],
  },
  {
    method: 'get',
    path: '/v1/admin/reconciliation',
    status: '200',
    list: true,
    fields: [
      'id',
      'kind',
      'subject',
      'dealId',
      'ours',
      'bank',
      'detail',
      'status',
      'detectedAt',
      'lastSeenAt',
      'resolvedAt',
    ],
  },
  {
    method: 'get',
    path: '/v1/recipients/me/payouts',
    status: '200',
    list: true,
    fields: [
      'id',
      'dealId',
      'dealTitle',
      'milestoneTitle',
      'amount',
      'currency',
      'status',
      'failure',
      'hold',
      'receipt',
      'paidAt',
    ],
  },
  {
    method: 'post',
    path: '/v1/deals/{id}/milestones/{milestoneId}/confirm',
    status: '200',
    fields: ['id', 'status'],
  },
  { method: 'post', path: '/v1/deals/{id}/disputes', status: '201', fields: ['id', 'status', 'dispute'] },
  {
    method: 'get',
    path: '/v1/deals/{id}/events',
    status: '200',
    list: true,
    fields: ['version', 'type', 'data', 'traceId', 'recordedAt'],
  },
  {
    method: 'post',
    path: '/v1/recipients',
    status: '201',
    fields: ['id', 'legalType', 'name', 'inn', 'bankDetails', 'bank', 'npdStatus'],
  },
  {
    method: 'get',
    path: '/v1/recipients/me',
    status: '200',
    fields: ['id', 'legalType', 'name', 'inn', 'bankDetails', 'bank', 'npdStatus'],
  },
  { method: 'get', path: '/v1/ledger/audit', status: '200', fields: ['ok', 'checkedAt', 'checks'] },
  { method: 'get', path: '/v1/admin/users/lookup', status: '200', fields: ['id', 'email', 'name', 'roles'] },
  { method: 'put', path: '/v1/admin/users/{id}/roles', status: '200', fields: ['id', 'roles'] },
  ...DEAD_LETTER_SERVICES.flatMap((s) => [
    {
      method: 'get',
      path: `/v1/admin/dead-letters/${s}`,
      status: '200',
      list: true,
      fields: ['id', 'consumer', 'eventType', 'state', 'reason', 'error', 'attempts', 'deadLetteredAt'],
    } as const,
    {
      method: 'get',
      path: `/v1/admin/dead-letters/${s}/{id}`,
      status: '200',
      fields: ['id', 'event'],
    } as const,
    {
      method: 'post',
      path: `/v1/admin/dead-letters/${s}/{id}/replay`,
      status: '200',
      fields: ['id'],
    } as const,
    { method: 'delete', path: `/v1/admin/dead-letters/${s}/{id}`, status: '204', fields: [] } as const,
  ]),
] as const;

/**
 * Calls to paths that are not in the merged document: the sandbox's controls are a rewritten prefix that
 * exists only while the sandbox is the bank.
 */
export const API_OPERATIONS_UNDOCUMENTED = [
  { method: 'get', path: '/v1/sandbox/_sim/clock' },
  { method: 'post', path: '/v1/sandbox/_sim/incoming' },
  { method: 'post', path: '/v1/sandbox/_sim/tick' },
  { method: 'put', path: '/v1/sandbox/_sim/faults' },
  { method: 'delete', path: '/v1/sandbox/_sim/faults' },
] as const;
