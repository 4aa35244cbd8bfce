/**
 * End to end: deals as `npm start` runs it, behind the gateway, on a database of its own. A payout
 * profile, a deal drafted by an agent and seen only by its parties, and a bank notification that reaches
 * deals through the gateway's public path byte for byte, with no token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';

/** The development secret deals and the bank sandbox share when BANK_NOTIFICATION_SECRET is unset. */
const DEVELOPMENT_NOTIFICATION_SECRET = 'sandbox-notification-secret';
const PASSWORD = 'a long enough passphrase';
let db: TestDatabase;
let system: RunningSystem;
let gw: string;
let seq = 0;
let adminToken: string;
const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN_EMAIL = `deals-admin-${Date.now()}@example.com`;

/** Identity's admin:create against the test database, the password piped in as an operator would. */
async function createAdmin(): Promise<void> {
  const running = promisify(execFile)(
    process.execPath,
    ['services/identity/src/cli/admin-create.ts', '--email', ADMIN_EMAIL],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
  );
  running.child.stdin?.end(`${PASSWORD}\n`);
  await running;
}

before(async () => {
  db = await createTestDatabase('e2edeals');
  await createAdmin();
  system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    // The admin here grants roles without a second factor; TOTP and step-up have their own tests.
    env: { LOG_LEVEL: 'warn', BANK_NOTIFICATION_SECRET: '', STAFF_TOTP_REQUIRED: 'false' },
  });
  gw = system.urls.gateway;
  const login = await call('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  adminToken = login.body.accessToken;
});
after(async () => {
  await system?.stop();
  await db?.drop();
});

async function call(
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
      ...(method === 'POST' ? { 'idempotency-key': `e2e-${++seq}` } : {}),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

/** A registered user's access token; `agent` is granted by an admin through identity's roles API. */
async function user(name: string, agent = false): Promise<{ id: string; email: string; token: string }> {
  const email = `${name}-${Date.now()}@example.com`;
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

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('deals through the gateway', () => {
  it('an agent drafts a deal paying their own payout profile; the payer sees it, a stranger gets 404', async () => {
    const agent = await user('agent', true);
    const payer = await user('payer');
    const stranger = await user('stranger');
    const profile = await call('POST', '/v1/recipients', {
      headers: as(agent.token),
      body: {
        legalType: 'individual',
        name: 'Agent',
        inn: '500100732259',
        bankDetails: { accountNumber: '40702810500000000001', bik: '044525974' },
      },
    });
    assert.equal(profile.status, 201, profile.text);
    const created = await call('POST', '/v1/deals', {
      headers: as(agent.token),
      body: {
        title: 'Flat',
        // By email: deals asks identity with the service client npm start provisioned for it.
        payerEmail: payer.email,
        milestones: [
          {
            title: 'Keys',
            amount: 100_000,
            release: { kind: 'payer_confirms' },
            recipients: [{ recipientId: profile.body.id, share: { percentBp: 10_000 } }],
          },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    const seen = await call('GET', `/v1/deals/${created.body.id}`, { headers: as(payer.token) });
    assert.deepEqual(
      [seen.status, seen.body.amount, seen.body.status, seen.body.payerId],
      [200, 100_000, 'draft', payer.id],
    );
    const hidden = await call('GET', `/v1/deals/${created.body.id}`, { headers: as(stranger.token) });
    assert.equal(hidden.status, 404);
    const anonymous = await call('GET', `/v1/deals/${created.body.id}`);
    assert.equal(anonymous.status, 401);
  });

  it('a signed bank notification needs no token and is stored once; an unsigned one is 401', async () => {
    const raw = '{"notificationId":"ntf_e2e_1","type":"DEAL_ACCEPTED","data":{"amount":1234.56}}';
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', DEVELOPMENT_NOTIFICATION_SECRET)
      .update(`${ts}.${raw}`)
      .digest('hex');
    const headers = { 'x-timestamp': ts, 'x-signature': signature };
    const first = await call('POST', '/v1/bank/notifications', { body: raw, headers });
    assert.deepEqual([first.status, first.body], [200, { received: true, duplicate: false }]);
    const again = await call('POST', '/v1/bank/notifications', { body: raw, headers });
    assert.deepEqual([again.status, again.body.duplicate], [200, true]);
    const unsigned = await call('POST', '/v1/bank/notifications', { body: raw });
    assert.deepEqual([unsigned.status, unsigned.body.code], [401, 'signature_missing']);
  });

  it("the gateway's merged API document includes the deals routes", async () => {
    const doc = await call('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.ok(doc.body.paths['/v1/deals'], Object.keys(doc.body.paths).join(', '));
    assert.ok(doc.body.paths['/v1/bank/notifications']);
    assert.ok(doc.body.paths['/v1/admin/reconciliation']);
  });

  it("reconciliation's findings are open to staff through the gateway, and to nobody else", async () => {
    const findings = await call('GET', '/v1/admin/reconciliation?status=open', { headers: as(adminToken) });
    assert.equal(findings.status, 200, findings.text);
    assert.ok(Array.isArray(findings.body.data));
    const customer = await user('curious');
    const refused = await call('GET', '/v1/admin/reconciliation', { headers: as(customer.token) });
    assert.equal(refused.status, 403, refused.text);
  });
});
