/**
 * Shared set-up of the deals end-to-end tests: the whole system as `npm start` runs it, with the bank
 * sandbox as the bank, behind the gateway; an admin made by the real CLI; and the steps every deal test
 * takes (users, payout profiles, a submitted deal, the payer's transfer through the sandbox's controls).
 * Each test file runs in its own process, so this module's state is that file's system.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { formatRubles } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';

export const PASSWORD = 'a long enough passphrase';
export const PERSON_INN = '500100732259';
export const COMPANY_INN = '7707083893';
export const BANK_DETAILS = { accountNumber: '40702810500000000001', bik: '044525974' };
/** Every wait is on a condition, bounded generously: the bank's scoring, payments and our retries. */
export const WAIT_MS = 120_000;
export const ROOT = resolve(import.meta.dirname, '../..');

export let db: TestDatabase;
export let system: RunningSystem;
export let sandboxDb: Pool;
export let dealsDb: Pool;
export let gw: string;
export let adminToken: string;
let seq = 0;

/**
 * Starts the system on a database of its own named after `name`, with an admin signed in. `env` adds to
 * the settings every deals test needs (no second factor for staff, bank tasks retried within 5 s).
 */
export async function startDealsSystem(name: string, env: Record<string, string> = {}): Promise<void> {
  db = await createTestDatabase(name);
  const adminEmail = `${name}-admin-${Date.now()}@example.com`;
  const running = promisify(execFile)(
    process.execPath,
    ['services/identity/src/cli/admin-create.ts', '--email', adminEmail],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
  );
  running.child.stdin?.end(`${PASSWORD}\n`);
  await running;
  system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    // Bank tasks retried within 5 s at most, so a bank outage is over long before any bound.
    env: {
      LOG_LEVEL: 'warn',
      BANK_NOTIFICATION_SECRET: '',
      STAFF_TOTP_REQUIRED: 'false',
      DEALS_BANK_RETRY_CAP_MS: '5000',
      ...env,
    },
  });
  gw = system.urls.gateway;
  sandboxDb = db.pool('bank_sandbox');
  dealsDb = db.pool('deals');
  const login = await call('POST', '/v1/auth/login', { body: { email: adminEmail, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  adminToken = login.body.accessToken;
}

export async function stopDealsSystem(): Promise<void> {
  await system?.stop();
  await db?.drop();
}

export async function call(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const body =
    opts.body === undefined ? null : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await fetch(`${gw}${path}`, {
    method,
    headers: {
      ...(body === null ? {} : { 'content-type': 'application/json' }),
      ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

export const as = (token: string) => ({ authorization: `Bearer ${token}` });
/** The sandbox's own controls, as an admin reaches them through the gateway (/v1/sandbox/_sim/*). */
export const sim = (method: string, path: string, body?: unknown) =>
  call(method, `/v1/sandbox/_sim${path}`, {
    headers: as(adminToken),
    ...(body === undefined ? {} : { body }),
  });

export async function user(
  name: string,
  agent = false,
): Promise<{ id: string; email: string; token: string }> {
  const email = `${name}-${Date.now()}-${++seq}@example.com`;
  const reg = await call('POST', '/v1/auth/register', { body: { email, password: PASSWORD, name } });
  assert.equal(reg.status, 201, reg.text);
  if (agent) {
    const granted = await call('PUT', `/v1/admin/users/${reg.body.id}/roles`, {
      headers: as(adminToken),
      body: { roles: ['agent'] },
    });
    assert.equal(granted.status, 200, granted.text);
  }
  const login = await call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  return { id: reg.body.id, email, token: login.body.accessToken };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Parties {
  agent: { id: string; token: string };
  payer: { id: string; email: string; token: string };
  recipients: [string, string, string];
  /** The self-employed recipient (recipients[2]), who reads their own payouts. */
  freelancer: { id: string; token: string };
}
let parties: Parties | undefined;

export async function profile(token: string, legalType: string, inn: string): Promise<string> {
  const r = await call('POST', '/v1/recipients', {
    headers: as(token),
    body: { legalType, name: 'Ivanova Anna', inn, bankDetails: BANK_DETAILS },
  });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

export async function setUp(): Promise<Parties> {
  if (parties) return parties;
  const agent = await user('agent', true);
  const agency = await user('agency');
  const freelancer = await user('freelancer');
  const payer = await user('payer');
  parties = {
    agent,
    payer,
    freelancer,
    recipients: [
      await profile(agent.token, 'individual', PERSON_INN),
      await profile(agency.token, 'company', COMPANY_INN),
      await profile(freelancer.token, 'self_employed', PERSON_INN),
    ],
  };
  return parties;
}

/**
 * Drafts and submits a deal: milestones of [amount, release, [recipient, percentBp]...], a recipient being
 * an index into the parties' recipients or an id as sent (`platform_fee`).
 */
export async function submit(
  p: Parties,
  milestones: Array<[number, string, Array<[number | string, number]>]>,
) {
  const created = await call('POST', '/v1/deals', {
    headers: as(p.agent.token),
    body: {
      title: 'Flat on Tverskaya',
      payerEmail: p.payer.email,
      milestones: milestones.map(([amount, kind, split], i) => ({
        title: `Milestone ${i + 1}`,
        amount,
        release: { kind },
        recipients: split.map(([r, percentBp]) => ({
          recipientId: typeof r === 'number' ? p.recipients[r] : r,
          share: { percentBp },
        })),
      })),
    },
  });
  assert.equal(created.status, 201, created.text);
  const submitted = await call('POST', `/v1/deals/${created.body.id}/submit`, { headers: as(p.agent.token) });
  assert.equal(submitted.status, 200, submitted.text);
  return created.body.id as string;
}

export const dealOf = async (p: Parties, id: string) => {
  const r = await call('GET', `/v1/deals/${id}`, { headers: as(p.payer.token) });
  assert.equal(r.status, 200, r.text);
  return r.body;
};
export const dealIn = (p: Parties, id: string, status: string) =>
  waitFor(`deal ${id} ${status}`, async () => {
    const d = await dealOf(p, id);
    return d.status === status ? d : undefined;
  });

/** The payer's bank transfers the deal's amount into the nominal account with the deal's purpose. */
export async function payerPays(p: Parties, id: string): Promise<void> {
  const d = await dealIn(p, id, 'awaiting_payment');
  const rubles = formatRubles(BigInt(d.amount));
  const r = await sim(
    'POST',
    '/incoming',
    `{"amount":${rubles},"purpose":${JSON.stringify(d.paymentPurpose)}}`,
  );
  assert.equal(r.status, 201, r.text);
}

/** The sandbox's payment rows of the bank deal, by status. */
export async function paymentsAtBank(bankDealId: string): Promise<Array<{ status: string; amount: string }>> {
  const { rows } = await sandboxDb.query(
    'select status, amount::text from payments where deal_id = $1 order by amount',
    [bankDealId],
  );
  return rows;
}

export interface MyPayout {
  id: string;
  dealId: string;
  milestoneId: string;
  status: string;
  hold: { reason: string; detail: string } | null;
  receipt: { status: string; receiptNumber: string | null } | null;
}

/** The caller's payouts as a recipient (GET /v1/recipients/me/payouts). */
export async function myPayouts(token: string): Promise<MyPayout[]> {
  const r = await call('GET', '/v1/recipients/me/payouts?limit=100', { headers: as(token) });
  assert.equal(r.status, 200, r.text);
  return r.body.data;
}

/** Waits for the payout's receipt to be issued, as its recipient sees it. */
export const receiptIssued = (p: Parties, payoutId: string) =>
  waitFor(`the receipt of ${payoutId}`, async () => {
    const mine = (await myPayouts(p.freelancer.token)).find((x) => x.id === payoutId);
    return mine?.receipt?.status === 'SUCCESS' ? mine.receipt : undefined;
  });
