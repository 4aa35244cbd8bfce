import { createHmac } from 'node:crypto';
import { createBankClient } from '@strongbox/bank-client';
import { createLogger, jwtVerifier } from '@strongbox/http';
import { testKeys } from '@strongbox/http/testing';
import { fixedClock, type ManualClock } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet } from 'jose';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import type { BankParts, DealsBank } from './bank-parts.ts';
import type { DealCommand } from './domain/decide.ts';
import type { PlatformProfileConfig } from './domain/platform-fee.ts';
import { executeDealCommand } from './infra/deal-commands.ts';
import type { IdentityClient } from './infra/identity-client.ts';

export { IdentityUnavailable } from './infra/identity-client.ts';

export const ISSUER = 'iss-test';
export const AUDIENCE = 'aud-test';
export const NOTIFICATION_SECRET = 'test-notification-secret';
/** A valid pair (the BIK's account control key holds) and valid INNs, for payout profiles. */
export const BIK = '044525974';
export const ACCOUNT = '40702810500000000001';
export const COMPANY_INN = '7707083893';
export const PERSON_INN = '500100732259';

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly clock: ManualClock;
  /** The bank's worker and jobs, when started with a bank; tests run them directly. */
  readonly bankParts: BankParts | undefined;
  /** One run of the release job, as the kit runs it on its schedule. */
  releaseOnce(): Promise<number>;
  /** An access token for `sub` with `roles` (default customer) and any further claims (`otp_at`). */
  token(sub: string, roles?: readonly string[], claims?: Record<string, unknown>): Promise<string>;
  /** Sends a request as `sub` (a token of `roles`), with an Idempotency-Key on POSTs unless given. */
  as(
    sub: string,
    roles: readonly string[],
    req: { method: string; url: string; payload?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Makes `userId` a payout profile (an individual's unless `profile` says otherwise); answers its id. */
  recipient(userId: string, profile?: ProfileDetails): Promise<string>;
  /** The deal as `sub` (default its agent, `usr_agent`) reads it, failing the test unless it is shown. */
  deal(id: string, sub?: string): Promise<ReturnType<typeof JSON.parse>>;
  /** Drafts a deal as `agent` paying `recipientId` in full; answers the deal as the API showed it. */
  draft(agent: string, payerId: string, recipientId: string): Promise<DealJson>;
  /** Records what the bank worker would (registered, funded), as the system actor. */
  bank(dealId: string, command: DealCommand): Promise<void>;
  close(): Promise<void>;
}

/** What a payout profile made by the harness differs in; each defaults to an individual's. */
export interface ProfileDetails {
  readonly legalType?: string;
  readonly inn?: string;
  readonly accountNumber?: string;
  readonly name?: string;
}

export interface DealJson {
  id: string;
  status: string;
  amount: number;
  version: number;
  milestones: Array<{ id: string; status: string; amount: number }>;
  [more: string]: unknown;
}

let keySeq = 0;

/** A real deals app on a fresh database of its own, migrated exactly as at start, tokens signed locally. */
export async function startDeals(
  opts: {
    identity?: IdentityClient;
    bank?: DealsBank;
    staffTotpRequired?: boolean;
    /** A bank that is never called (its address answers nothing), for what deals shows of its account. */
    nominalAccount?: { accountNumber: string; payee: NonNullable<DealsBank['payee']> };
    platform?: PlatformProfileConfig;
  } = {},
): Promise<Harness> {
  const db = await createTestDatabase('deals');
  const pool = db.pool(SERVICE);
  await migrate(pool, MIGRATIONS);
  const clock = fixedClock(new Date());
  const keys = await testKeys({ issuer: ISSUER, audience: AUDIENCE });
  const { app, bank, releaseOnce } = await buildApp({
    pool,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    clock,
    verifier: jwtVerifier({
      keys: createLocalJWKSet({ keys: [keys.jwk] }),
      issuer: ISSUER,
      audience: AUDIENCE,
      // Off unless a test is about the second factor, as STAFF_TOTP_REQUIRED=false would set.
      staffTotpRequired: opts.staffTotpRequired ?? false,
    }),
    notificationSecrets: [NOTIFICATION_SECRET],
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.bank ? { bank: opts.bank } : {}),
    ...(opts.nominalAccount && !opts.bank ? { bank: unusedBank(opts.nominalAccount) } : {}),
    ...(opts.platform ? { platform: opts.platform } : {}),
  });
  await app.ready();
  const token = (sub: string, roles: readonly string[] = ['customer'], claims?: Record<string, unknown>) =>
    keys.sign(sub, roles, claims);
  const as: Harness['as'] = async (sub, roles, req) => {
    const headers: Record<string, string> = { authorization: `Bearer ${await token(sub, roles)}` };
    if (req.method === 'POST') headers['idempotency-key'] = `key-${++keySeq}`;
    return app.inject({
      method: req.method as 'GET',
      url: req.url,
      headers: { ...headers, ...req.headers },
      ...(req.payload === undefined ? {} : { payload: req.payload as object }),
    });
  };
  return {
    app,
    db,
    pool,
    clock,
    bankParts: bank,
    releaseOnce,
    token,
    as,
    async recipient(userId, profile = {}) {
      const res = await as(userId, ['customer'], {
        method: 'POST',
        url: '/v1/recipients',
        payload: {
          legalType: profile.legalType ?? 'individual',
          name: profile.name ?? `Recipient ${userId}`,
          inn: profile.inn ?? PERSON_INN,
          bankDetails: { accountNumber: profile.accountNumber ?? ACCOUNT, bik: BIK },
        },
      });
      if (res.statusCode >= 300) throw new Error(`recipient for ${userId}: ${res.body}`);
      return res.json().id as string;
    },
    async deal(id, sub = 'usr_agent') {
      const res = await as(sub, ['agent'], { method: 'GET', url: `/v1/deals/${id}` });
      if (res.statusCode !== 200) throw new Error(`deal ${id}: ${res.body}`);
      return res.json();
    },
    async draft(agent, payerId, recipientId) {
      const res = await as(agent, ['agent'], {
        method: 'POST',
        url: '/v1/deals',
        payload: dealBody(payerId, [[recipientId, 10_000]]),
      });
      if (res.statusCode !== 201) throw new Error(`draft: ${res.body}`);
      return res.json();
    },
    async bank(dealId, command) {
      const r = await executeDealCommand({ pool, clock }, { dealId, command, actor: { kind: 'system' } });
      if (!r.ok) throw new Error(`bank ${command.kind}: ${r.code}`);
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** The headers the bank sends with `body`: its id, the time in unix seconds and the HMAC signature. */
export function signedHeaders(
  body: string,
  opts: { id?: string; atMs?: number; secret?: string } = {},
): Record<string, string> {
  const ts = String(Math.floor((opts.atMs ?? Date.now()) / 1000));
  const signature = createHmac('sha256', opts.secret ?? NOTIFICATION_SECRET)
    .update(`${ts}.${body}`)
    .digest('hex');
  return {
    'content-type': 'application/json',
    'x-timestamp': ts,
    'x-signature': signature,
    ...(opts.id ? { 'x-notification-id': opts.id } : {}),
  };
}

/** A one-milestone deal body paying `recipients` by percentage (basis points). */
export function dealBody(payerId: string, recipients: Array<[string, number]>, amount = 100_000) {
  return {
    title: 'Flat on Tverskaya',
    payerId,
    milestones: [
      {
        title: 'Keys handed over',
        amount,
        release: { kind: 'payer_confirms' },
        recipients: recipients.map(([recipientId, percentBp]) => ({ recipientId, share: { percentBp } })),
      },
    ],
  };
}

/** A bank whose workers are never started, so its client (to an address that answers nothing) is idle. */
function unusedBank(nominal: { accountNumber: string; payee: NonNullable<DealsBank['payee']> }): DealsBank {
  return {
    client: createBankClient({ baseUrl: 'http://127.0.0.1:9', token: 'unused' }),
    nominalAccount: nominal.accountNumber,
    payee: nominal.payee,
    tasksPollMs: 60_000,
    jobsSchedule: '0 0 1 1 *',
  };
}
