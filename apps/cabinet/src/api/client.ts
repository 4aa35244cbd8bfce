import type {
  Account,
  Audit,
  DeadLetter,
  Deal,
  DealEvent,
  Entry,
  Finding,
  Me,
  MyPayout,
  NewMilestone,
  Order,
  Page,
  QueueItem,
  Recipient,
  RecipientInput,
  Resolution,
  Session,
  SessionTokens,
  ShareRule,
  SplitPreview,
  TotpEnrollment,
  Transfer,
  UserView,
} from './types.ts';

/**
 * The cabinet's one way to the API (same origin: the gateway serves both). The access token lives only
 * in this module's memory; the refresh token lives in an HttpOnly cookie that identity sets in cookie
 * mode (`?session=cookie`) on the paths of refresh and logout alone, so no script can read it. The
 * cookie-mode calls carry `X-Strongbox-CSRF: 1`, which a cross-site form cannot send (see ADR 0029).
 */
const CSRF = { 'x-strongbox-csrf': '1' };
/** Every call gives up after this; the gateway's own upstream limit is 10 s. */
const REQUEST_TIMEOUT_MS = 15_000;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, code: string | undefined, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

/** A request body already written as JSON text. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

let accessToken: string | null = null;
/** Told when the login ended under the user (the refresh was refused), so the app shows sign-in. */
let sessionLost: () => void = () => {};
export function onSessionLost(listener: () => void): void {
  sessionLost = listener;
}
/** One refresh at a time: a second rotation of the same cookie would look like reuse and end the login. */
let refreshing: Promise<boolean> | null = null;

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      ...headers,
    },
    // A RawJson body is sent as it is: the bank sandbox takes rubles as a JSON number, written from
    // minor units as text so no float ever holds the amount.
    body: body === undefined ? null : body instanceof RawJson ? body.text : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (res.status === 204) return { res, json: undefined };
  const text = await res.text();
  return { res, json: text ? (JSON.parse(text) as unknown) : undefined };
}

function fail(res: Response, json: unknown): never {
  const p = (json ?? {}) as { code?: string; detail?: string; title?: string };
  throw new ApiError(res.status, p.code, p.detail ?? p.title ?? res.statusText);
}

/** Calls the API as the signed-in user; an expired access token is refreshed once, then the call retried. */
async function call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  let { res, json } = await send(method, path, body, headers);
  if (res.status === 401 && accessToken) {
    if (await refresh()) ({ res, json } = await send(method, path, body, headers));
    else sessionLost();
  }
  if (!res.ok) fail(res, json);
  return json as T;
}

/** Trades the refresh cookie for a new access token; false when there is no valid login. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const { res, json } = await send('POST', '/v1/auth/refresh?session=cookie', {}, CSRF);
      accessToken = res.ok ? (json as SessionTokens).accessToken : null;
      return res.ok;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function login(email: string, password: string, totpCode?: string): Promise<void> {
  const body = { email, password, ...(totpCode ? { totpCode } : {}) };
  const { res, json } = await send('POST', '/v1/auth/login?session=cookie', body, CSRF);
  if (!res.ok) fail(res, json);
  accessToken = (json as SessionTokens).accessToken;
}

export async function register(name: string, email: string, password: string): Promise<void> {
  const { res, json } = await send('POST', '/v1/auth/register', { name, email, password });
  if (!res.ok) fail(res, json);
}

export async function logout(): Promise<void> {
  try {
    await send('POST', '/v1/auth/logout?session=cookie', {}, CSRF);
  } finally {
    accessToken = null;
  }
}

export const signedIn = () => accessToken !== null;

/**
 * Whether the current access token says an authenticator is confirmed (its `totp` claim, ADR 0026). Only
 * read to choose what the Security screen offers first; identity decides everything from its own rows.
 */
export function tokenSaysTotp(): boolean {
  const payload = accessToken?.split('.')[1];
  if (!payload) return false;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return (JSON.parse(json) as { totp?: unknown }).totp === true;
  } catch {
    return false;
  }
}

const newKey = () => crypto.randomUUID();
const q = (params: Record<string, string | number | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
};
const seg = encodeURIComponent;

export const api = {
  me: () => call<Me>('GET', '/v1/me'),
  accounts: (cursor?: string) => call<Page<Account>>('GET', `/v1/accounts${q({ limit: 100, cursor })}`),
  account: (id: string) => call<Account>('GET', `/v1/accounts/${seg(id)}`),
  entries: (id: string, cursor?: string) =>
    call<Page<Entry>>('GET', `/v1/accounts/${seg(id)}/entries${q({ limit: 100, cursor })}`),
  openAccount: (currency: string, name: string, key = newKey()) =>
    call<Account>(
      'POST',
      '/v1/accounts',
      { currency, ...(name ? { name } : {}) },
      { 'idempotency-key': key },
    ),
  /** `key` is made once per filled-in form, so sending it twice moves the money once. */
  transfer: (
    input: { from: string; to: string; amountMinor: bigint; currency: string; description: string },
    key: string,
  ) =>
    call<Transfer>(
      'POST',
      '/v1/transfers',
      {
        debitAccountId: input.from,
        creditAccountId: input.to,
        // The API takes integers up to 2^53 - 1; parseAmount's text stays exact up to there.
        amount: Number(input.amountMinor),
        currency: input.currency,
        ...(input.description ? { description: input.description } : {}),
      },
      { 'idempotency-key': key },
    ),
  deals: (filter: { role?: 'agent' | 'payer'; status?: string; cursor?: string } = {}) =>
    call<Page<Deal>>('GET', `/v1/deals${q({ limit: 50, ...filter })}`),
  deal: (id: string) => call<Deal>('GET', `/v1/deals/${seg(id)}`),
  splitPreview: (amountMinor: bigint, recipients: readonly ShareRule[]) =>
    call<SplitPreview>('POST', '/v1/deals/split-preview', { amount: Number(amountMinor), recipients }),
  createDeal: (
    input: { title: string; payerEmail: string; milestones: readonly NewMilestone[] },
    key: string,
  ) => call<Deal>('POST', '/v1/deals', input, { 'idempotency-key': key }),
  submitDeal: (id: string, key: string) =>
    call<Deal>('POST', `/v1/deals/${seg(id)}/submit`, undefined, { 'idempotency-key': key }),
  confirmMilestone: (id: string, milestoneId: string, key: string) =>
    call<Deal>('POST', `/v1/deals/${seg(id)}/milestones/${seg(milestoneId)}/confirm`, undefined, {
      'idempotency-key': key,
    }),
  openDispute: (id: string, reason: string, key: string) =>
    call<Deal>('POST', `/v1/deals/${seg(id)}/disputes`, { reason }, { 'idempotency-key': key }),
  dealEvents: (id: string, cursor?: string) =>
    call<Page<DealEvent>>('GET', `/v1/deals/${seg(id)}/events${q({ limit: 100, cursor })}`),
  myRecipient: () => call<Recipient>('GET', '/v1/recipients/me'),
  saveRecipient: (input: RecipientInput, key: string) =>
    call<Recipient>('POST', '/v1/recipients', input, { 'idempotency-key': key }),
  myPayouts: (cursor?: string) =>
    call<Page<MyPayout>>('GET', `/v1/recipients/me/payouts${q({ limit: 50, cursor })}`),
  retryPayout: (id: string, payoutId: string, key: string) =>
    call<Deal>('POST', `/v1/deals/${seg(id)}/payouts/${seg(payoutId)}/retry`, undefined, {
      'idempotency-key': key,
    }),
  resolveDispute: (id: string, disputeId: string, resolution: Resolution, key: string) =>
    call<Deal>('POST', `/v1/deals/${seg(id)}/disputes/${seg(disputeId)}/resolve`, resolution, {
      'idempotency-key': key,
    }),
  queue: (cursor?: string) =>
    call<Page<QueueItem>>('GET', `/v1/admin/deals/queue${q({ limit: 100, cursor })}`),
  findings: (status: 'open' | 'resolved' | undefined, cursor?: string) =>
    call<Page<Finding>>('GET', `/v1/admin/reconciliation${q({ status, limit: 50, cursor })}`),
  audit: () => call<Audit>('GET', '/v1/ledger/audit'),
  deadLetters: (service: string, cursor?: string) =>
    call<Page<DeadLetter>>('GET', `/v1/admin/dead-letters/${seg(service)}${q({ limit: 50, cursor })}`),
  deadLetter: (service: string, id: string) =>
    call<DeadLetter>('GET', `/v1/admin/dead-letters/${seg(service)}/${seg(id)}`),
  replayDeadLetter: (service: string, id: string) =>
    call<DeadLetter>('POST', `/v1/admin/dead-letters/${seg(service)}/${seg(id)}/replay`),
  discardDeadLetter: (service: string, id: string) =>
    call<undefined>('DELETE', `/v1/admin/dead-letters/${seg(service)}/${seg(id)}`),
  findUser: (email: string) => call<UserView>('GET', `/v1/admin/users/lookup${q({ email })}`),
  setRoles: (id: string, roles: readonly string[]) =>
    call<UserView>('PUT', `/v1/admin/users/${seg(id)}/roles`, { roles }),
  /** The bank sandbox's controls: 404 unless the sandbox is the bank and the caller an admin. */
  sandboxClock: () => call<{ now: string; frozen: boolean }>('GET', '/v1/sandbox/_sim/clock'),
  sandboxIncoming: (rubles: string, purpose: string) =>
    call<unknown>(
      'POST',
      '/v1/sandbox/_sim/incoming',
      new RawJson(`{"amount":${rubles},"purpose":${JSON.stringify(purpose)}}`),
    ),
  sandboxTick: () => call<unknown>('POST', '/v1/sandbox/_sim/tick', {}),
  /** The bank down (every change answered 500 before it takes effect), or every fault switched off. */
  sandboxOutage: (on: boolean) =>
    on
      ? call<unknown>('PUT', '/v1/sandbox/_sim/faults', { errorRate: 1, errorWhen: 'before' })
      : call<unknown>('DELETE', '/v1/sandbox/_sim/faults'),
  /** A fresh TOTP code for an action that needs one (ADR 0026): the short-lived token it answers is used from now on. */
  stepUp: async (code: string) => {
    const tokens = await call<SessionTokens>('POST', '/v1/auth/step-up', { code });
    accessToken = tokens.accessToken;
  },
  sessions: () => call<Page<Session>>('GET', '/v1/auth/sessions'),
  endSession: (id: string) => call<undefined>('DELETE', `/v1/auth/sessions/${seg(id)}`),
  totpEnroll: () => call<TotpEnrollment>('POST', '/v1/auth/totp/enroll'),
  totpConfirm: (code: string) => call<{ recoveryCodes: string[] }>('POST', '/v1/auth/totp/confirm', { code }),
  totpDisable: (code: string) => call<undefined>('POST', '/v1/auth/totp/disable', { code }),
  orders: (cursor?: string) => call<Page<Order>>('GET', `/v1/orders${q({ limit: 50, cursor })}`),
  order: (id: string) => call<Order>('GET', `/v1/orders/${seg(id)}`),
};
