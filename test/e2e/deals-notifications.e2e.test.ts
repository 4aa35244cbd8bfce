/**
 * End to end: the bank's notifications, with the sandbox as the bank sending them to deals through the
 * gateway's public path, as a deployment would. The sandbox starts before the gateway on a free port, so it
 * is restarted once the gateway is up, told where to notify. A deal paid out while the sandbox duplicates
 * every notification and reverses the order of several still completes, each notification stored and
 * processed once, each payout paid once; then forged, tampered, expired and replayed notifications are
 * refused or ignored and change nothing but the log's record of the attempt (ADR 0024).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type RestartedService, restartService } from '../../scripts/restart-service.ts';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';

const PASSWORD = 'a long enough passphrase';
const SECRET = `e2e-notification-secret-${randomUUID()}`;
const PERSON_INN = '500100732259';
const COMPANY_INN = '7707083893';
const BANK_DETAILS = { accountNumber: '40702810500000000001', bik: '044525974' };
/** Every wait is on a condition, bounded generously: the bank's scoring, payments and deals' jobs. */
const WAIT_MS = 120_000;
const BOUNDED = { timeout: 300_000 };
/** Notifications the sandbox holds back and then sends in reverse order. */
const REORDERED = 5;
const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN_EMAIL = `notify-admin-${Date.now()}@example.com`;

let db: TestDatabase;
let system: RunningSystem;
let sandbox: RestartedService | undefined;
let sandboxDb: Pool;
let dealsDb: Pool;
let gw: string;
let seq = 0;
let adminToken: string;

before(
  async () => {
    db = await createTestDatabase('e2enotify');
    const created = promisify(execFile)(
      process.execPath,
      ['services/identity/src/cli/admin-create.ts', '--email', ADMIN_EMAIL],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
    );
    created.child.stdin?.end(`${PASSWORD}\n`);
    await created;
    system = await startSystem({
      databaseUrl: db.url,
      ports: 'random',
      output: 'ignore',
      env: {
        LOG_LEVEL: 'warn',
        BANK_NOTIFICATION_SECRET: SECRET,
        STAFF_TOTP_REQUIRED: 'false',
        DEALS_BANK_RETRY_CAP_MS: '5000',
      },
    });
    gw = system.urls.gateway;
    // The bank notifies the public address, the gateway's; a failed delivery is retried within a second.
    sandbox = await restartService(system, 'bank-sandbox', {
      BANK_NOTIFICATION_URL: `${gw}/v1/bank/notifications`,
      BANK_NOTIFICATION_RETRY_BASE_MS: '1000',
    });
    sandboxDb = db.pool('bank_sandbox');
    dealsDb = db.pool('deals');
    const login = await call('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL, password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    adminToken = login.body.accessToken;
  },
  { timeout: 600_000 },
);
after(async () => {
  await sandbox?.stop();
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
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: text ? JSON.parse(text) : undefined, text };
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const sim = (method: string, path: string, body?: unknown) =>
  call(method, `/v1/sandbox/_sim${path}`, {
    headers: as(adminToken),
    ...(body === undefined ? {} : { body }),
  });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function user(name: string, agent = false) {
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
  return { id: reg.body.id as string, email, token: login.body.accessToken as string };
}

interface Parties {
  agent: { token: string };
  payer: { email: string; token: string };
  recipients: [string, string];
}
let parties: Parties | undefined;

async function setUp(): Promise<Parties> {
  if (parties) return parties;
  const agent = await user('agent', true);
  const agency = await user('agency');
  const payer = await user('payer');
  const profile = async (token: string, legalType: string, inn: string) => {
    const r = await call('POST', '/v1/recipients', {
      headers: as(token),
      body: { legalType, name: 'Ivanova Anna', inn, bankDetails: BANK_DETAILS },
    });
    assert.equal(r.status, 201, r.text);
    return r.body.id as string;
  };
  parties = {
    agent,
    payer,
    recipients: [
      await profile(agent.token, 'individual', PERSON_INN),
      await profile(agency.token, 'company', COMPANY_INN),
    ],
  };
  return parties;
}

/** A deal of one milestone released at once, split 60/40, submitted and waiting for the payer's money. */
async function awaitingPayment(p: Parties) {
  const created = await call('POST', '/v1/deals', {
    headers: as(p.agent.token),
    body: {
      title: 'Flat on Arbat',
      payerEmail: p.payer.email,
      milestones: [
        {
          title: 'Keys',
          amount: 50_000,
          release: { kind: 'immediate' },
          recipients: [
            { recipientId: p.recipients[0], share: { percentBp: 6_000 } },
            { recipientId: p.recipients[1], share: { percentBp: 4_000 } },
          ],
        },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  const submitted = await call('POST', `/v1/deals/${id}/submit`, { headers: as(p.agent.token) });
  assert.equal(submitted.status, 200, submitted.text);
  return dealIn(p, id, 'awaiting_payment');
}

const dealOf = async (p: Parties, id: string) => {
  const r = await call('GET', `/v1/deals/${id}`, { headers: as(p.payer.token) });
  assert.equal(r.status, 200, r.text);
  return r.body;
};
const dealIn = (p: Parties, id: string, status: string) =>
  waitFor(`deal ${id} ${status}`, async () => {
    const d = await dealOf(p, id);
    return d.status === status ? d : undefined;
  });

async function payerPays(deal: { amount: number; paymentPurpose: string }): Promise<void> {
  const rubles = `${Math.floor(deal.amount / 100)}.${String(deal.amount % 100).padStart(2, '0')}`;
  const r = await sim(
    'POST',
    '/incoming',
    `{"amount":${rubles},"purpose":${JSON.stringify(deal.paymentPurpose)}}`,
  );
  assert.equal(r.status, 201, r.text);
}

/** Until the sandbox has nothing left to send (none held back, none due or awaiting a retry). */
const sandboxDrained = () =>
  waitFor('the sandbox to deliver every notification', async () => {
    const { rows } = await sandboxDb.query(
      'select count(*)::int as n from notifications where delivered_at is null and given_up_at is null',
    );
    const faults = await sim('GET', '/faults');
    return rows[0].n === 0 && faults.body.heldNotifications.length === 0 ? true : undefined;
  });

/** Until deals has processed every authentic notification it stored. */
const dealsProcessedAll = () =>
  waitFor('deals to process every stored notification', async () => {
    const { rows } = await dealsDb.query(
      'select count(*)::int as n from bank_notification_outcomes where processed_at is null',
    );
    return rows[0].n === 0 ? true : undefined;
  });

const signed = (raw: string, opts: { id: string; atMs?: number; secret?: string }) => {
  const ts = String(Math.floor((opts.atMs ?? Date.now()) / 1000));
  const signature = createHmac('sha256', opts.secret ?? SECRET)
    .update(`${ts}.${raw}`)
    .digest('hex');
  return { 'x-notification-id': opts.id, 'x-timestamp': ts, 'x-signature': signature };
};

/** What a notification could change: the log's authentic rows, the processing queue, the deals' events and views. */
async function snapshot(dealIds: readonly string[]) {
  const q = async (sql: string, params: unknown[] = []) => (await dealsDb.query(sql, params)).rows;
  return {
    authentic: await q(
      "select notification_id, raw_body from bank_notifications where verdict = 'authentic' order by position",
    ),
    outcomes: await q('select * from bank_notification_outcomes order by notification_id'),
    events: await q(
      'select stream_id, version, type from events where stream_id = any($1) order by position',
      [dealIds],
    ),
    views: await q(
      'select deal_id, status, version, view from deal_views where deal_id = any($1) order by deal_id',
      [dealIds],
    ),
  };
}
const refusedRows = async () =>
  (
    await dealsDb.query(
      "select notification_id, verdict from bank_notifications where verdict <> 'authentic' order by position",
    )
  ).rows as Array<{ notification_id: string; verdict: string }>;

let completedDealId: string | undefined;

describe('bank notifications from the sandbox, through the gateway', () => {
  it(
    'duplicated and reordered: the deal completes, each notification stored and processed once, each payout paid once',
    BOUNDED,
    async () => {
      const p = await setUp();
      const deal = await awaitingPayment(p);
      await sandboxDrained();
      const since = new Date();
      // Every notification from here on is sent twice; the next few are held back and sent in reverse.
      const faults = await sim('PUT', '/faults', {
        duplicateNotifications: 1_000,
        reorderNotifications: REORDERED,
        reorderMode: 'reverse',
      });
      assert.equal(faults.status, 200, faults.text);
      await payerPays(deal);
      const done = await dealIn(p, deal.id, 'completed');
      completedDealId = deal.id;
      await sandboxDrained();
      await dealsProcessedAll();

      const sent = (
        await sandboxDb.query<{ id: string; type: string }>(
          'select id::text, type from notifications where created_at >= $1 and last_error is null order by created_at, id',
          [since],
        )
      ).rows;
      assert.ok(sent.length >= REORDERED + 2, `the sandbox sent ${sent.length}`);
      assert.ok(sent.some((n) => n.type === 'PAYMENT_SUCCEEDED'));
      const stored = (
        await dealsDb.query<{ notification_id: string; n: number; processed: boolean }>(
          `select l.notification_id, count(*)::int as n, bool_and(o.processed_at is not null) as processed
             from bank_notifications l join bank_notification_outcomes o using (notification_id)
            where l.verdict = 'authentic' and l.notification_id = any($1)
            group by l.notification_id, o.notification_id`,
          [sent.map((n) => n.id)],
        )
      ).rows;
      assert.deepEqual(
        stored.map((r) => [r.notification_id, r.n, r.processed]).sort(),
        sent.map((n) => [n.id, 1, true]).sort(),
        'every notification the sandbox sent stored once, and processed',
      );
      // Sent twice, answered 200 twice, stored once: deals counted the second copies as duplicates.
      const metrics = await (await fetch(`${system.urls.deals}/metrics`)).text();
      const duplicates = metrics
        .split('\n')
        .filter((l) => l.startsWith('deals_bank_notifications_total{'))
        .filter((l) => l.includes('verdict="authentic"') && l.includes('duplicate="true"'))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      assert.ok(duplicates >= sent.length, `duplicates counted: ${duplicates} of ${sent.length}`);
      // Reordered: deals received the held ones in another order than the bank wrote them.
      const arrival = (
        await dealsDb.query<{ notification_id: string }>(
          "select notification_id from bank_notifications where verdict = 'authentic' and notification_id = any($1) order by position",
          [sent.map((n) => n.id)],
        )
      ).rows.map((r) => r.notification_id);
      assert.notDeepEqual(
        arrival,
        sent.map((n) => n.id),
        'the arrival order differs from the bank’s',
      );

      // The right final state: every payout completed once, paid once at the bank, the milestone paid.
      assert.deepEqual(
        done.milestones.map((m: { status: string }) => m.status),
        ['paid'],
      );
      const payouts = await dealsDb.query(
        "select data->>'payoutId' as payout from events where stream_id = $1 and type = 'deal.payout_completed'",
        [deal.id],
      );
      assert.equal(payouts.rowCount, 2);
      assert.equal(new Set(payouts.rows.map((r) => r.payout)).size, 2);
      const payments = await sandboxDb.query(
        'select status, amount::text from payments where deal_id = $1 order by amount',
        [done.bankDealId],
      );
      assert.deepEqual(
        payments.rows.map((r) => [r.status, r.amount]),
        [
          ['SUCCEEDED', '20000'],
          ['SUCCEEDED', '30000'],
        ],
      );
      assert.equal((await sim('DELETE', '/faults')).status, 200);
    },
  );

  it(
    'forged, tampered, expired and replayed: refused with 401 problem+json or ignored as duplicates, nothing changed',
    BOUNDED,
    async () => {
      const p = await setUp();
      assert.ok(completedDealId, 'the deal of the test before');
      const waiting = await awaitingPayment(p);
      await sandboxDrained();
      await dealsProcessedAll();
      const step = await dealsDb.query<{ step_id: string }>(
        'select step_id from bank_steps where deal_id = $1',
        [waiting.id],
      );
      const stepId = step.rows[0]?.step_id;
      assert.ok(stepId);
      // A real notification as the sandbox delivered it, raw body and headers, taken from the log.
      const real = (
        await dealsDb.query<{ notification_id: string; raw_body: Buffer; headers: Record<string, string> }>(
          `select notification_id, raw_body, headers from bank_notifications
            where verdict = 'authentic' and convert_from(raw_body, 'UTF8')::jsonb->>'type' = 'PAYMENT_SUCCEEDED'
            order by position desc limit 1`,
        )
      ).rows[0];
      assert.ok(real);
      const realRaw = real.raw_body.toString('utf8');
      // What an attacker would like deals to believe: the waiting deal's step paid out.
      const lie = (id: string) =>
        JSON.stringify({
          notificationId: id,
          type: 'PAYMENT_SUCCEEDED',
          objectId: randomUUID(),
          status: 'SUCCEEDED',
          occurredAt: new Date().toISOString(),
          data: { dealId: waiting.bankDealId, stepId },
        });
      const before = await snapshot([waiting.id, completedDealId]);
      const refusedBefore = (await refusedRows()).length;

      const forgedId = randomUUID();
      const forged = await call('POST', '/v1/bank/notifications', {
        body: lie(forgedId),
        headers: signed(lie(forgedId), { id: forgedId, secret: 'not-the-bank-secret' }),
      });
      const tampered = await call('POST', '/v1/bank/notifications', {
        body: realRaw.replace('"SUCCEEDED"', '"FAILED"'),
        headers: {
          'x-notification-id': real.headers['x-notification-id'] as string,
          'x-timestamp': real.headers['x-timestamp'] as string,
          'x-signature': real.headers['x-signature'] as string,
        },
      });
      const expiredId = randomUUID();
      const expired = await call('POST', '/v1/bank/notifications', {
        body: lie(expiredId),
        // Signed with the bank's secret, but six minutes ago: outside the five-minute window.
        headers: signed(lie(expiredId), { id: expiredId, atMs: Date.now() - 6 * 60_000 }),
      });
      const replayedLate = await call('POST', '/v1/bank/notifications', {
        body: realRaw,
        headers: signed(realRaw, { id: real.notification_id, atMs: Date.now() - 6 * 60_000 }),
      });
      for (const [what, res, code] of [
        ['forged', forged, 'signature_mismatch'],
        ['tampered', tampered, 'signature_mismatch'],
        ['expired', expired, 'signature_stale'],
        ['replayed after the window', replayedLate, 'signature_stale'],
      ] as const) {
        assert.deepEqual([res.status, res.body?.code], [401, code], `${what}: ${res.text}`);
        assert.match(res.type, /^application\/problem\+json/, what);
      }
      // Replayed within the window, the same id and body as the bank sent them: answered 200 as a duplicate.
      const replayed = await call('POST', '/v1/bank/notifications', {
        body: realRaw,
        headers: signed(realRaw, { id: real.notification_id }),
      });
      assert.deepEqual([replayed.status, replayed.body], [200, { received: true, duplicate: true }]);

      // The only trace of all five: the four refused attempts in the log, each with its verdict.
      await dealsProcessedAll();
      assert.deepEqual(await snapshot([waiting.id, completedDealId]), before);
      assert.deepEqual(
        (await refusedRows()).slice(refusedBefore).map((r) => [r.notification_id, r.verdict]),
        [
          [forgedId, 'signature_mismatch'],
          [real.notification_id, 'signature_mismatch'],
          [expiredId, 'signature_stale'],
          [real.notification_id, 'signature_stale'],
        ],
      );
      assert.equal((await dealOf(p, waiting.id)).status, 'awaiting_payment');
    },
  );
});
