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

/**
 * Every call the cabinet makes, as OpenAPI names it, with the fields of the answer it reads (for lists:
 * of each item in `data`). Checked against the gateway's /openapi.json by the end-to-end test.
 */
export const API_OPERATIONS = [
  { method: 'post', path: '/v1/auth/register', status: '201', fields: ['id'] },
  { method: 'post', path: '/v1/auth/login', status: '200', fields: ['accessToken', 'expiresIn'] },
  { method: 'post', path: '/v1/auth/refresh', status: '200', fields: ['accessToken', 'expiresIn'] },
  { method: 'post', path: '/v1/auth/logout', status: '204', fields: [] },
  { method: 'get', path: '/v1/me', status: '200', fields: ['id', 'email', 'name', 'roles'] },
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
] as const;
