/**
 * `npm run bench:orders`: orders per second from POST /v1/orders to a terminal state, and p50/p99 of that
 * time, on the transport configured (PostgreSQL, or RabbitMQ when AMQP_URL is set), beside the balance
 * service's own transfer rate measured in the same run (a saga moves money twice: hold and capture).
 * Times come from the orders' own rows (created_at → updated_at of the terminal state), so the benchmark
 * does not poll while it loads the system.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { startSystem } from '../scripts/system.ts';
import { type CpuSample, cpuPerUnit, sampleCpu } from './cpu.ts';
import {
  adminToken,
  benchDatabase,
  median,
  percentile,
  postJson,
  quiesce,
  round,
  vacuumAnalyze,
} from './lib.ts';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 6);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
/** Set: every service writes a V8 CPU profile of the whole run here (`--cpu-prof`). */
const CPU_PROF_DIR = process.env['BENCH_CPU_PROF_DIR'];
const SETTLE_TIMEOUT_MS = 120_000;
const TERMINAL = ['completed', 'failed', 'cancelled', 'rejected'];

interface Figures {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly completed: number;
  readonly total: number;
  /** Median time spent reaching each status from the one before, over completed orders. */
  readonly phases: Record<string, number>;
}

/** Sends `make()` from `concurrency` loops for `durationMs`, or at `ratePerS` overall when given. */
async function load(make: () => Promise<unknown>, durationMs: number, ratePerS?: number): Promise<number> {
  const deadline = performance.now() + durationMs;
  let sent = 0;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      if (ratePerS) {
        const due = started + (sent / ratePerS) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (performance.now() >= deadline) return;
      }
      sent += 1;
      await make();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return sent;
}

/** Waits until every order created since `since` is terminal, then reads their times. */
async function settle(db: pg.Client, since: Date): Promise<Figures> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ open: number }>(
      'select count(*)::int as open from orders.orders where created_at >= $1 and status <> all($2)',
      [since, TERMINAL],
    );
    if (rows[0]?.open === 0) break;
    if (Date.now() > deadline) throw new Error(`${rows[0]?.open} orders did not settle`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const { rows } = await db.query<{ ms: number; status: string; first: Date; last: Date }>(
    `select extract(epoch from (updated_at - created_at)) * 1000 as ms, status,
            min(created_at) over () as first, max(updated_at) over () as last
       from orders.orders where created_at >= $1`,
    [since],
  );
  const completed = rows.filter((r) => r.status === 'completed');
  const ms = completed.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const spanS = rows[0] ? (rows[0].last.getTime() - rows[0].first.getTime()) / 1000 : 1;
  const phases = await db.query<{ status: string; ms: number }>(
    `select h.status, percentile_cont(0.5) within group (order by h.ms) as ms
       from orders.orders o,
            lateral (select e->>'status' as status, n,
                            extract(epoch from ((e->>'at')::timestamptz
                              - lag((e->>'at')::timestamptz) over (order by n))) * 1000 as ms
                       from jsonb_array_elements(o.history) with ordinality as x(e, n)) h
      where o.created_at >= $1 and o.status = 'completed' and h.ms is not null
      group by h.status`,
    [since],
  );
  return {
    phases: Object.fromEntries(phases.rows.map((r) => [r.status, round(Number(r.ms), 1)])),
    perSecond: completed.length / Math.max(spanS, 0.001),
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    completed: completed.length,
    total: rows.length,
  };
}

async function main() {
  const db = await benchDatabase();
  const system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    ...(CPU_PROF_DIR ? { cpuProfileDir: CPU_PROF_DIR } : {}),
    env: {
      LOG_LEVEL: 'warn',
      // The benchmark's admin sets up accounts; the second factor is not what is measured.
      STAFF_TOTP_REQUIRED: 'false',
      // The benchmarks measure capacity; the gateway's rate limits would only cap it.
      RATE_LIMIT_USER_PER_MIN: '10000000',
      PROCESSOR_DURATION_MS: '0',
    },
  });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const gw = system.urls.gateway;
    const admin = await adminToken(gw, db.url);
    const funding = await postJson(gw, admin, '/v1/accounts', {
      currency: 'EUR',
      name: 'funding',
      allowNegative: true,
    });
    const email = `bench-${randomUUID()}@example.com`;
    const password = 'benchmark passphrase 2026';
    await postJson(gw, admin, '/v1/auth/register', { email, password, name: 'Bench' });
    const login = await fetch(`${gw}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const customer = ((await login.json()) as { accessToken: string }).accessToken;
    const account = await postJson(gw, customer, '/v1/accounts', { currency: 'EUR', name: 'wallet' });
    const merchant = await postJson(gw, admin, '/v1/accounts', { currency: 'EUR', name: 'merchant' });
    await postJson(gw, admin, '/v1/transfers', {
      debitAccountId: funding['id'],
      creditAccountId: account['id'],
      amount: 1_000_000_000_000,
      currency: 'EUR',
    });
    // undici's pool, not fetch: the load generator shares the two cores with the system it measures.
    const http = new Pool(gw, { connections: CONCURRENCY });
    const post = async (token: string, path: string, body: unknown) => {
      const res = await http.request({
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${text}`);
    };
    const placeOrder = () =>
      post(customer, '/v1/orders', {
        accountId: account['id'],
        merchantAccountId: merchant['id'],
        amount: 100,
        currency: 'EUR',
      });
    const transfer = () =>
      post(admin, '/v1/transfers', {
        debitAccountId: account['id'],
        creditAccountId: merchant['id'],
        amount: 1,
        currency: 'EUR',
      });
    const peaks: Figures[] = [];
    const cpuScope = { services: system.pids, database: new URL(db.url).pathname.slice(1) };
    let cpu: { before: CpuSample; after: CpuSample; orders: number } | undefined;
    const transfers: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await quiesce(system.urls);
      await vacuumAnalyze(db.url);
      const since = new Date();
      const cpuBefore = sampleCpu(cpuScope);
      await load(placeOrder, DURATION_S * 1000);
      const figures = await settle(client, since);
      if (r === 0) {
        await quiesce(system.urls);
        cpu = { before: cpuBefore, after: sampleCpu(cpuScope), orders: figures.total };
      }
      console.log(`round ${r + 1}: median ms to reach each status`, figures.phases);
      peaks.push(figures);
      await quiesce(system.urls);
      const t0 = performance.now();
      const sent = await load(transfer, DURATION_S * 1000);
      transfers.push(sent / ((performance.now() - t0) / 1000));
    }
    const peak = median(peaks.map((p) => p.perSecond));
    const halfRate = Math.max(1, Math.round(peak / 2));
    await quiesce(system.urls);
    await vacuumAnalyze(db.url);
    const since = new Date();
    await load(placeOrder, DURATION_S * 1000, halfRate);
    const half = await settle(client, since);
    console.log(`at half the peak: median ms to reach each status`, half.phases);
    await http.close();
    const transport = process.env['AMQP_URL'] ? 'RabbitMQ' : 'PostgreSQL';
    console.table([
      {
        label: `orders to terminal (${transport}), peak`,
        'per second': round(peak, 0),
        'p50 ms': round(median(peaks.map((p) => p.p50Ms)), 1),
        'p99 ms': round(median(peaks.map((p) => p.p99Ms)), 1),
        completed: peaks.reduce((a, p) => a + p.completed, 0),
        orders: peaks.reduce((a, p) => a + p.total, 0),
      },
      {
        label: `orders at half the peak (${halfRate}/s)`,
        'per second': round(half.perSecond, 0),
        'p50 ms': round(half.p50Ms, 1),
        'p99 ms': round(half.p99Ms, 1),
        completed: half.completed,
        orders: half.total,
      },
      { label: 'baseline: balance transfers through the gateway', 'per second': round(median(transfers), 0) },
    ]);
    console.log(
      `ratio: ${round(peak / median(transfers), 2)} orders per transfer-slot (a saga makes two money moves)`,
    );
    if (cpu) {
      console.log('CPU per order by process (first round, every event relayed and consumed):');
      console.table(cpuPerUnit(cpu.before, cpu.after, cpu.orders));
    }
  } finally {
    await client.end();
    await system.stop();
    await db.drop();
  }
}

await main();
