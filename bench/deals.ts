/**
 * `npm run bench:deals`: safe deals per second from creation to completed through the bank sandbox, with
 * the bank's rate limits lifted (BANK_RATE_LIMITS=off, and deals' own client limit at its maximum) and with
 * them on; the time from a bank notification to the state it reports; CPU per deal by process; balance's
 * transfer rate through the gateway in the same run as the baseline. Then the notification endpoint alone:
 * signed notifications POSTed straight to deals at an even rate, stored and answered, p50/p99.
 *
 * The sandbox is the bank, restarted once the gateway is up so that it notifies the gateway's public path
 * (scripts/restart-service.ts). Times come from the deals' own rows and events after the run, so nothing
 * polls the API while it is loaded; the payer's bank (POST /_sim/incoming) pays each deal once the
 * benchmark reads it as awaiting payment.
 */
import { createHmac, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { type RestartedService, restartService } from '../scripts/restart-service.ts';
import { startSystem } from '../scripts/system.ts';
import { type CpuSample, cpuPerUnit, groupOf, sampleCpu as sampleCpuOf } from './cpu.ts';
import { reconcileScenario } from './deals-reconcile.ts';
import { adminToken, benchDatabase, median, percentile, postJson, quiesce, round } from './lib.ts';
import { paced } from './paced.ts';

const env = process.env;
/** Deals per round with the bank's limits lifted, and in the one round with them on. */
const DEALS = Number(env['BENCH_DEALS'] ?? 150);
const DEALS_LIMITED = Number(env['BENCH_DEALS_LIMITED'] ?? 40);
const ROUNDS = Number(env['BENCH_ROUNDS'] ?? 3);
/** Concurrent loops creating deals, and of the baseline's transfers. */
const CONCURRENCY = Number(env['BENCH_CONCURRENCY'] ?? 16);
const DURATION_S = Number(env['BENCH_DURATION_S'] ?? 6);
const NOTIFY_RATE = Number(env['BENCH_NOTIFY_RATE'] ?? 200);
const NOTIFY_S = Number(env['BENCH_NOTIFY_S'] ?? 10);
/** The bank's own pace: a payment's steps and the sandbox's round (its notifications go out per round). */
const BANK_PAYMENT_STEP_MS = env['BENCH_BANK_PAYMENT_STEP_MS'] ?? '0';
const BANK_TICK_MS = env['BENCH_BANK_TICK_MS'] ?? '50';
/** A folder to write deals' CPU profile of the notification rounds to (node --cpu-prof), when set. */
const CPU_PROF_DIR = env['BENCH_CPU_PROF_DIR'];
/** Deals waiting at the bank that the `reconcile` scenario has reconciliation compare in one pass. */
const RECONCILE_DEALS = Number(env['BENCH_RECONCILE_DEALS'] ?? 300);
const RECONCILE_INTERVAL_MS = Number(env['BENCH_RECONCILE_INTERVAL_MS'] ?? 2_000);
/** `off` runs the reconcile scenario with one deals instance instead of two on the same database. */
const RECONCILE_SECOND = env['BENCH_RECONCILE_SECOND_INSTANCE'] !== 'off';
/**
 * Which parts run: `deals` (limits lifted, with the baseline), `notifications`, `limited` (limits on),
 * `reconcile` (reconciliation over waiting deals with the limits on).
 */
const SCENARIOS = new Set((env['BENCH_SCENARIOS'] ?? 'deals,notifications,limited,reconcile').split(','));
const SETTLE_TIMEOUT_MS = 300_000;
const RETRIES_MAX = 5;
const PAYERS = 4;
const AMOUNT = 10_000;
const SECRET = `bench-notification-secret-${randomUUID()}`;
const BANK_TOKEN = 'bench-bank-token';

interface DealFigures {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly deals: number;
  /** Median ms from the event before to each event type. */
  readonly phases: Record<string, number>;
  /** Notification received → the state it reports recorded, by notification type. */
  readonly notified: Record<string, { n: number; p50Ms: number; p99Ms: number; earlier: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const db = await benchDatabase();
  const system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    env: {
      LOG_LEVEL: 'warn',
      STAFF_TOTP_REQUIRED: 'false',
      // The benchmarks measure capacity; the gateway's limits would only cap it (the bank posts from one address).
      RATE_LIMIT_USER_PER_MIN: '10000000',
      RATE_LIMIT_IP_PER_MIN: '10000000',
      BANK_API_TOKEN: BANK_TOKEN,
      BANK_NOTIFICATION_SECRET: SECRET,
      BANK_RATE_LIMITS: 'off',
      BANK_CLIENT_RATE_LIMIT_PER_S: '1000',
      BANK_SCORING_DELAY_MS: '0',
      BANK_PAYMENT_STEP_MS,
      BANK_TICK_MS,
      BANK_NOTIFICATION_RETRY_BASE_MS: '1000',
    },
  });
  const notifyUrl = { BANK_NOTIFICATION_URL: `${system.urls.gateway}/v1/bank/notifications` };
  let sandbox: RestartedService | undefined;
  let deals: RestartedService | undefined;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const gw = system.urls.gateway;
  const http = new Pool(gw, { connections: CONCURRENCY });
  const bank = new Pool(system.urls['bank-sandbox'] as string, { connections: 8 });
  try {
    sandbox = await restartService(system, 'bank-sandbox', notifyUrl);
    const pids = () => ({
      ...system.pids,
      'bank-sandbox': sandbox?.pid,
      deals: deals?.pid ?? system.pids.deals,
    });
    const cpuScope = () => ({ services: pids(), database: new URL(db.url).pathname.slice(1) });
    // Without AMQP_URL the system uses no broker: a RabbitMQ on the machine is someone else's.
    const sampleCpu = (scope: Parameters<typeof sampleCpuOf>[0]): CpuSample =>
      new Map([...sampleCpuOf(scope)].filter(([key]) => env['AMQP_URL'] || groupOf(key) !== 'rabbitmq'));
    const admin = await adminToken(gw, db.url);
    // A 503 says "try again with the same Idempotency-Key" (identity or balance slow on a loaded machine):
    // the benchmark does, a few times, and counts it.
    let retried = 0;
    const post = async (token: string, path: string, body: unknown) => {
      const key = randomUUID();
      for (let attempt = 1; ; attempt++) {
        const res = await http.request({
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': key,
          },
          body: JSON.stringify(body),
        });
        const text = await res.body.text();
        if (res.statusCode === 503 && attempt < RETRIES_MAX) {
          retried++;
          await sleep(250 * attempt);
          continue;
        }
        if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${text}`);
        return JSON.parse(text) as Record<string, unknown>;
      }
    };
    const parties = await setUp(gw, admin, post, client);
    const dealRun = (n: number) => runDeals({ n, post, bank, client, parties });

    // ── Deals with the bank's limits lifted, then balance's transfers as the baseline, round by round. ──
    const lifted: DealFigures[] = [];
    const transfers: number[] = [];
    let cpu: { before: CpuSample; after: CpuSample; deals: number } | undefined;
    const accounts = await transferAccounts(gw, admin);
    for (let r = 0; r < (SCENARIOS.has('deals') ? ROUNDS : 0); r++) {
      await settled(client, system.urls);
      const before = sampleCpu(cpuScope());
      const figures = await dealRun(DEALS);
      if (r === 0) {
        await settled(client, system.urls);
        cpu = { before, after: sampleCpu(cpuScope()), deals: figures.deals };
      }
      console.log(
        `round ${r + 1}: ${round(figures.perSecond, 1)} deals/s; median ms to each event`,
        figures.phases,
      );
      lifted.push(figures);
      await settled(client, system.urls);
      const t0 = performance.now();
      const sent = await loop(CONCURRENCY, DURATION_S * 1000, () =>
        post(admin, '/v1/transfers', { ...accounts, amount: 1, currency: 'EUR' }),
      );
      transfers.push(sent / ((performance.now() - t0) / 1000));
    }

    // ── The notification endpoint alone: signed notifications straight to deals, evenly paced. ──
    const notifyRounds: Array<{
      p50Ms: number;
      p99Ms: number;
      failed: number;
      sent: number;
      drainedS: number;
    }> = [];
    let notifyCpu: Record<string, string> | undefined;
    if (CPU_PROF_DIR && SCENARIOS.has('notifications'))
      deals = await restartService(system, 'deals', {}, deals, [
        '--cpu-prof',
        `--cpu-prof-dir=${CPU_PROF_DIR}`,
      ]);
    for (let r = 0; r < (SCENARIOS.has('notifications') ? ROUNDS : 0); r++) {
      await settled(client, system.urls);
      const before = sampleCpu(cpuScope());
      const figures = await paced({
        url: system.urls.deals as string,
        ratePerS: NOTIFY_RATE,
        durationS: NOTIFY_S,
        request: signedNotification,
      });
      // Stored is not processed: how long after the last answer the processor has taken every one.
      const answeredAt = performance.now();
      await processedAll(client);
      const drainedS = (performance.now() - answeredAt) / 1000;
      notifyRounds.push({ ...figures, drainedS });
      if (r === 0) {
        await settled(client, system.urls);
        notifyCpu = cpuPerUnit(before, sampleCpu(cpuScope()), figures.sent);
      }
      console.log(`notifications round ${r + 1}:`, { ...figures, drainedS: round(drainedS, 1) });
    }

    // ── Deals with the bank's limits on: the sandbox's 10 calls a second per method, and deals keeping under them. ──
    // The profile is written when the profiled process exits.
    if (CPU_PROF_DIR && SCENARIOS.has('notifications'))
      deals = await restartService(system, 'deals', {}, deals);
    let limited: DealFigures | undefined;
    if (SCENARIOS.has('limited')) {
      sandbox = await restartService(
        system,
        'bank-sandbox',
        { ...notifyUrl, BANK_RATE_LIMITS: 'on' },
        sandbox,
      );
      deals = await restartService(system, 'deals', { BANK_CLIENT_RATE_LIMIT_PER_S: '10' }, deals);
      await settled(client, system.urls);
      limited = await dealRun(DEALS_LIMITED);
      console.log('with the bank rate limits on: median ms to each event', limited.phases);
    }

    // ── Reconciliation over deals waiting at the bank, the limits on, two instances sharing the lock. ──
    if (SCENARIOS.has('reconcile')) {
      // Created with the limits lifted (the pass is what is measured), so the sandbox goes back to off first.
      if (SCENARIOS.has('limited')) {
        sandbox = await restartService(system, 'bank-sandbox', notifyUrl, sandbox);
        deals = await restartService(system, 'deals', {}, deals);
      }
      await settled(client, system.urls);
      ({ sandbox, deals } = await reconcileScenario({
        n: RECONCILE_DEALS,
        intervalMs: RECONCILE_INTERVAL_MS,
        secondInstance: RECONCILE_SECOND,
        concurrency: CONCURRENCY,
        amount: AMOUNT,
        system,
        db: client,
        post,
        parties,
        notifyUrl,
        sandbox,
        deals,
      }));
    }
    if (!SCENARIOS.has('deals') && !SCENARIOS.has('limited') && !SCENARIOS.has('notifications')) return;

    const baseline = median(transfers);
    const peak = median(lifted.map((f) => f.perSecond));
    console.table([
      {
        label: 'deals created → completed, bank limits lifted',
        'per second': round(peak, 1),
        'p50 ms': round(median(lifted.map((f) => f.p50Ms)), 0),
        'p99 ms': round(median(lifted.map((f) => f.p99Ms)), 0),
        deals: lifted.reduce((a, f) => a + f.deals, 0),
      },
      {
        label: 'deals created → completed, bank limits on (10/s per method)',
        'per second': round(limited?.perSecond ?? Number.NaN, 1),
        'p50 ms': round(limited?.p50Ms ?? Number.NaN, 0),
        'p99 ms': round(limited?.p99Ms ?? Number.NaN, 0),
        deals: limited?.deals ?? 0,
      },
      { label: 'baseline: balance transfers through the gateway', 'per second': round(baseline, 0) },
    ]);
    console.log(`ratio: ${round(peak / baseline, 4)} deals per transfer (limits lifted)`);
    console.log(`requests answered 503 and sent again with the same Idempotency-Key: ${retried}`);
    console.log('notification received → state recorded (first round, limits lifted; ms):');
    console.table(lifted[0]?.notified);
    console.log('the same with the bank rate limits on:');
    console.table(limited?.notified);
    if (cpu) {
      console.log('CPU per deal by process (first round, limits lifted, ledger mirror and events done):');
      console.table(cpuPerUnit(cpu.before, cpu.after, cpu.deals));
    }
    console.log(
      `notification stored and answered at ${NOTIFY_RATE}/s evenly paced, straight to deals (median of ${ROUNDS} rounds of ${NOTIFY_S} s):`,
    );
    console.table({
      'p50 ms': round(median(notifyRounds.map((f) => f.p50Ms)), 1),
      'p99 ms': round(median(notifyRounds.map((f) => f.p99Ms)), 1),
      'p99 ms by round': notifyRounds.map((f) => round(f.p99Ms, 1)).join(' / '),
      failed: notifyRounds.reduce((a, f) => a + f.failed, 0),
      's to process all after the last answer': round(median(notifyRounds.map((f) => f.drainedS)), 1),
      target: 'p99 ≤ 20 ms',
    });
    if (notifyCpu) {
      console.log('CPU per notification by process (first round):');
      console.table(notifyCpu);
    }
  } finally {
    await http.close();
    await bank.close();
    await client.end();
    await deals?.stop();
    await sandbox?.stop();
    await system.stop();
    await db.drop();
  }
}

type Post = (token: string, path: string, body: unknown) => Promise<Record<string, unknown>>;

interface Parties {
  readonly agent: string;
  readonly payers: readonly string[];
  readonly recipients: readonly [string, string];
}

/** An agent, a few payers, and two payout profiles (an individual's, a company's) scored at the bank. */
async function setUp(gw: string, admin: string, post: Post, db: pg.Client): Promise<Parties> {
  const password = 'benchmark passphrase 2026';
  const register = async (name: string, agent = false) => {
    const email = `bench-${name}-${randomUUID()}@example.com`;
    const user = await post(admin, '/v1/auth/register', { email, password, name });
    if (agent) {
      const res = await fetch(`${gw}/v1/admin/users/${user['id']}/roles`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ roles: ['agent'] }),
      });
      if (!res.ok) throw new Error(`roles: ${res.status} ${await res.text()}`);
    }
    const login = await fetch(`${gw}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return { email, token: ((await login.json()) as { accessToken: string }).accessToken };
  };
  const agent = await register('agent', true);
  const agency = await register('agency');
  const payers = [];
  for (let i = 0; i < PAYERS; i++) payers.push((await register(`payer${i}`)).email);
  const bankDetails = { accountNumber: '40702810500000000001', bik: '044525974' };
  const individual = await post(agent.token, '/v1/recipients', {
    legalType: 'individual',
    name: 'Ivanova Anna',
    inn: '500100732259',
    bankDetails,
  });
  const company = await post(agency.token, '/v1/recipients', {
    legalType: 'company',
    name: 'Agency',
    inn: '7707083893',
    bankDetails,
  });
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query(
      "select count(*)::int as n from deals.recipients where scoring_status = 'SUCCEEDED' and recipient_id = any($1)",
      [[individual['id'], company['id']]],
    );
    if (rows[0].n === 2) break;
    if (Date.now() > deadline) throw new Error('the payout profiles were not scored at the bank');
    await sleep(200);
  }
  return { agent: agent.token, payers, recipients: [String(individual['id']), String(company['id'])] };
}

/**
 * Creates and submits `n` deals from CONCURRENCY loops while the payer's bank pays each one as soon as it
 * awaits payment; waits until all are completed and reads their times from the deals' rows and events.
 */
async function runDeals(opts: {
  n: number;
  post: Post;
  bank: Pool;
  client: pg.Client;
  parties: Parties;
}): Promise<DealFigures> {
  const { n, post, parties, client: db } = opts;
  const since = new Date();
  const ids: string[] = [];
  let next = 0;
  const create = async () => {
    while (next < n) {
      const i = next++;
      const deal = await post(parties.agent, '/v1/deals', {
        title: `Bench deal ${i}`,
        payerEmail: parties.payers[i % parties.payers.length],
        milestones: [
          {
            title: 'Keys',
            amount: AMOUNT,
            release: { kind: 'immediate' },
            recipients: [
              { recipientId: parties.recipients[0], share: { percentBp: 6_000 } },
              { recipientId: parties.recipients[1], share: { percentBp: 4_000 } },
            ],
          },
        ],
      });
      ids.push(String(deal['id']));
      await post(parties.agent, `/v1/deals/${deal['id']}/submit`, {});
    }
  };
  const paid = new Set<string>();
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  const payAll = async () => {
    while (paid.size < n) {
      if (Date.now() > deadline) throw new Error(`${n - paid.size} deals were never awaiting payment`);
      const { rows } = await db.query<{ id: string; purpose: string }>(
        `select deal_id as id, view->>'paymentPurpose' as purpose from deals.deal_views
          where deal_id = any($1) and status = 'awaiting_payment'`,
        [ids.filter((id) => !paid.has(id))],
      );
      await Promise.all(
        rows.map(async (r) => {
          paid.add(r.id);
          const rubles = `${Math.floor(AMOUNT / 100)}.${String(AMOUNT % 100).padStart(2, '0')}`;
          const res = await opts.bank.request({
            method: 'POST',
            path: '/_sim/incoming',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${BANK_TOKEN}` },
            body: `{"amount":${rubles},"purpose":${JSON.stringify(r.purpose)}}`,
          });
          const text = await res.body.text();
          if (res.statusCode !== 201) throw new Error(`incoming: ${res.statusCode} ${text}`);
        }),
      );
      await sleep(100);
    }
  };
  await Promise.all([Promise.all(Array.from({ length: CONCURRENCY }, create)), payAll()]);
  for (;;) {
    const { rows } = await db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from deals.deal_views where deal_id = any($1) group by status',
      [ids],
    );
    const done = rows.find((r) => r.status === 'completed')?.n ?? 0;
    if (done === n) break;
    if (Date.now() > deadline)
      throw new Error(`deals did not complete: ${rows.map((r) => `${r.n} ${r.status}`).join(', ')}`);
    await sleep(200);
  }
  const { rows } = await db.query<{ ms: number; first: Date; last: Date }>(
    `select extract(epoch from (updated_at - created_at)) * 1000 as ms,
            min(created_at) over () as first, max(updated_at) over () as last
       from deals.deal_views where deal_id = any($1)`,
    [ids],
  );
  const ms = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const spanS = rows[0] ? (rows[0].last.getTime() - rows[0].first.getTime()) / 1000 : 1;
  const phases = await db.query<{ type: string; ms: number }>(
    `select type, percentile_cont(0.5) within group (order by ms) as ms
       from (select type, extract(epoch from (recorded_at - lag(recorded_at) over w)) * 1000 as ms
               from deals.events where stream_id = any($1)
             window w as (partition by stream_id order by version)) e
      where ms is not null group by type order by min(ms)`,
    [ids],
  );
  return {
    perSecond: n / Math.max(spanS, 0.001),
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    deals: n,
    phases: Object.fromEntries(phases.rows.map((r) => [r.type, round(Number(r.ms), 0)])),
    notified: await notificationLatency(db, since),
  };
}

/**
 * From a notification's arrival at deals to the event recording what it reports: a payment succeeded →
 * its payout completed, a step's payments completed → the deal completed. The notification is a hint
 * (deals asks the bank about the step it names), and the payout follower polls the bank too; where the
 * state was recorded before the notification came, the time counts as 0 and `earlier` counts it.
 */
async function notificationLatency(db: pg.Client, since: Date): Promise<DealFigures['notified']> {
  const { rows } = await db.query<{ type: string; ms: number }>(
    `with n as (
       select convert_from(raw_body, 'UTF8')::jsonb as b, received_at from deals.bank_notifications
        where verdict = 'authentic' and received_at >= $1)
     select 'PAYMENT_SUCCEEDED → deal.payout_completed' as type,
            extract(epoch from (e.recorded_at - n.received_at)) * 1000 as ms
       from n join deals.bank_payouts p on p.payment_id = n.b->>'objectId'
       join deals.events e on e.type = 'deal.payout_completed' and e.data->>'payoutId' = p.payout_id
      where n.b->>'type' = 'PAYMENT_SUCCEEDED'
     union all
     select 'STEP_PAYMENT_COMPLETED → deal.completed',
            extract(epoch from (e.recorded_at - n.received_at)) * 1000
       from n join deals.bank_steps s on s.step_id = n.b->>'objectId'
       join deals.events e on e.type = 'deal.completed' and e.stream_id = s.deal_id
      where n.b->>'type' = 'STEP_PAYMENT_COMPLETED'`,
    [since],
  );
  const out: DealFigures['notified'] = {};
  for (const type of new Set(rows.map((r) => r.type))) {
    const all = rows.filter((r) => r.type === type).map((r) => Number(r.ms));
    const ms = all.map((v) => Math.max(0, v)).sort((a, b) => a - b);
    out[type] = {
      n: all.length,
      p50Ms: round(percentile(ms, 50), 0),
      p99Ms: round(percentile(ms, 99), 0),
      earlier: all.filter((v) => v < 0).length,
    };
  }
  return out;
}

/** A notification as the bank sends one, signed when it is due, naming a step deals does not know. */
function signedNotification() {
  const id = randomUUID();
  const body = JSON.stringify({
    notificationId: id,
    type: 'PAYMENT_SUCCEEDED',
    objectId: randomUUID(),
    status: 'SUCCEEDED',
    occurredAt: new Date().toISOString(),
    data: { dealId: randomUUID(), stepId: randomUUID() },
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
  return {
    path: '/v1/bank/notifications',
    headers: {
      'content-type': 'application/json',
      'x-notification-id': id,
      'x-timestamp': ts,
      'x-signature': signature,
    },
    body,
  };
}

/** Two EUR accounts for the baseline's transfers, the first funded from an allowNegative account. */
async function transferAccounts(gw: string, admin: string) {
  const funding = await postJson(gw, admin, '/v1/accounts', {
    currency: 'EUR',
    name: 'funding',
    allowNegative: true,
  });
  const from = await postJson(gw, admin, '/v1/accounts', { currency: 'EUR', name: 'from' });
  const to = await postJson(gw, admin, '/v1/accounts', { currency: 'EUR', name: 'to' });
  await postJson(gw, admin, '/v1/transfers', {
    debitAccountId: funding['id'],
    creditAccountId: from['id'],
    amount: 1_000_000_000_000,
    currency: 'EUR',
  });
  return { debitAccountId: from['id'], creditAccountId: to['id'] };
}

/** Runs `make()` from `concurrency` loops for `durationMs`; answers how many were made. */
async function loop(concurrency: number, durationMs: number, make: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + durationMs;
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        sent += 1;
        await make();
      }
    }),
  );
  return sent;
}

/** Until every authentic notification stored has been processed. */
async function processedAll(db: pg.Client): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      'select count(*)::int as n from deals.bank_notification_outcomes where processed_at is null',
    );
    if (rows[0]?.n === 0) return;
    if (Date.now() > deadline) throw new Error('deals did not process the notifications');
    await sleep(100);
  }
}

/**
 * A quiet start: no outbox or consumer backlog (quiesce), no pending ledger or bank task, and every stored
 * notification processed, so a round pays for nothing left over from the one before.
 */
async function settled(db: pg.Client, urls: Readonly<Record<string, string | undefined>>): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `select (select count(*) from deals.ledger_tasks where status = 'pending')
            + (select count(*) from deals.bank_tasks where status = 'pending')
            + (select count(*) from deals.bank_notification_outcomes where processed_at is null) as n`,
    );
    if (Number(rows[0]?.n) === 0) break;
    if (Date.now() > deadline) throw new Error('deals did not settle');
    await sleep(200);
  }
  await quiesce(urls);
}

await main();
