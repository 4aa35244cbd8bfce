/**
 * `npm run bench:ledger`: transfers per second, latency and memory of the balance service over HTTP (with
 * auth and a fresh Idempotency-Key per request), direct and through the gateway, uniform over many
 * accounts and hot (every transfer credits one account), each beside the plain one-transaction-per-transfer
 * baseline measured in the same run on the same server. Medians of BENCH_ROUNDS rounds.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { startSystem } from '../scripts/system.ts';
import { type CpuSample, cpuPerUnit, sampleCpu } from './cpu.ts';
import { type RunFigures, runBaseline, setupBaseline } from './ledger-baseline.ts';
import { pgbenchAvailable, runPgbench } from './ledger-pgbench.ts';
import {
  adminToken,
  benchDatabase,
  heapMiB,
  median,
  postJson,
  quiesce,
  round,
  rssMiB,
  vacuumAnalyze,
} from './lib.ts';
import { paced } from './paced.ts';
import { sampleTables, type TableSample, writesPerUnit } from './table-stats.ts';

const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000);
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 6);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const SETUP_CONCURRENCY = 16;
const FUND_BATCH = 1_000;
const AMOUNT = 100;
/** Transfers per request on the batch path (`POST /v1/transfers/batch`, not atomic). */
const BATCH_SIZE = Number(process.env['BENCH_BATCH_SIZE'] ?? 100);
/** A folder for every service's CPU profile of the whole run (node --cpu-prof), when set. */
const CPU_PROF_DIR = process.env['BENCH_CPU_PROF_DIR'];

type Scenario = 'uniform' | 'hot';

function picker(scenario: Scenario, n: number): () => [number, number] {
  return () => {
    const debit = 1 + Math.floor(Math.random() * (n - 1));
    if (scenario === 'hot') return [debit, 0];
    let credit = Math.floor(Math.random() * n);
    if (credit === debit) credit = (credit + 1) % n;
    return [debit, credit];
  };
}

async function createAccounts(base: string, token: string): Promise<string[]> {
  const ids: string[] = new Array(ACCOUNTS);
  let next = 0;
  const worker = async () => {
    while (next < ACCOUNTS) {
      const i = next++;
      ids[i] = String(
        (await postJson(base, token, '/v1/accounts', { currency: 'EUR', name: `bench ${i}` }))['id'],
      );
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  const funding = await postJson(base, token, '/v1/accounts', {
    currency: 'EUR',
    name: 'funding',
    allowNegative: true,
  });
  for (let i = 0; i < ids.length; i += FUND_BATCH) {
    const transfers = ids.slice(i, i + FUND_BATCH).map((id) => ({
      debitAccountId: funding['id'],
      creditAccountId: id,
      amount: 1_000_000_000,
      currency: 'EUR',
    }));
    await postJson(base, token, '/v1/transfers/batch', { transfers, atomic: true });
  }
  return ids;
}

/** One transfer request between the accounts `pick` chooses, with a fresh Idempotency-Key. */
function transferRequest(token: string, ids: readonly string[], pick: () => [number, number]) {
  const [d, c] = pick();
  return {
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({
      debitAccountId: ids[d],
      creditAccountId: ids[c],
      amount: AMOUNT,
      currency: 'EUR',
    }),
  };
}

async function runHttp(
  url: string,
  token: string,
  ids: readonly string[],
  scenario: Scenario,
): Promise<RunFigures> {
  const pick = picker(scenario, ids.length);
  const result = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: '/v1/transfers',
        setupRequest: (req) => {
          return { ...req, ...transferRequest(token, ids, pick) };
        },
      },
    ],
  });
  const ok = result.requests.sent - result.non2xx - result.errors;
  return {
    tps: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failed: result.non2xx + result.errors,
  };
}

/** Uniform transfers in batches of BATCH_SIZE per request, not atomic: a result per item. */
async function runBatch(url: string, token: string, ids: readonly string[]): Promise<RunFigures> {
  const pick = picker('uniform', ids.length);
  let itemsFailed = 0;
  const result = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: '/v1/transfers/batch',
        setupRequest: (req) => {
          const transfers = Array.from({ length: BATCH_SIZE }, () => {
            const [d, c] = pick();
            return { debitAccountId: ids[d], creditAccountId: ids[c], amount: AMOUNT, currency: 'EUR' };
          });
          return {
            ...req,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ transfers }),
          };
        },
        onResponse: (status, body) => {
          if (status !== 200) return;
          const results = (JSON.parse(body) as { results: Array<{ ok: boolean }> }).results;
          itemsFailed += results.filter((r) => !r.ok).length;
        },
      },
    ],
  });
  const okRequests = result.requests.sent - result.non2xx - result.errors;
  return {
    tps: (okRequests * BATCH_SIZE - itemsFailed) / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failed: (result.non2xx + result.errors) * BATCH_SIZE + itemsFailed,
  };
}

/** Uniform transfers sent evenly at `rate` per second (open loop), for the latency at that rate. */
function runPaced(url: string, token: string, ids: readonly string[], rate: number) {
  const pick = picker('uniform', ids.length);
  return paced({
    url,
    ratePerS: rate,
    durationS: DURATION_S,
    request: () => ({ path: '/v1/transfers', ...transferRequest(token, ids, pick) }),
  });
}

/** One row of the table: the run's medians, and its ratio to the Node baseline and to pgbench. */
function summarize(label: string, runs: RunFigures[], baselines: { node?: number; pgbench?: number }) {
  const tps = median(runs.map((r) => r.tps));
  const ratio = (to?: number) => (to ? `${round(tps / to, 2)}×` : '—');
  return {
    label,
    'transfers/s': round(tps, 0),
    'p50 ms': round(median(runs.map((r) => r.p50Ms)), 2),
    'p99 ms': round(median(runs.map((r) => r.p99Ms)), 2),
    failed: runs.reduce((a, r) => a + r.failed, 0),
    'vs Node baseline': ratio(baselines.node),
    'vs pgbench': ratio(baselines.pgbench),
  };
}

/** The ratios the performance targets are stated in, from one run's medians. */
function ratioLine(f: Readonly<Record<string, number>>): string {
  const r = (a: string, b: string) => {
    const x = f[a];
    const y = f[b];
    return x !== undefined && y ? `${round(x / y, 2)}×` : '—';
  };
  return [
    `uniform direct ${r('uniform.direct', 'uniform.baseline')} Node baseline, ${r('uniform.direct', 'uniform.pgbench')} pgbench`,
    `uniform through gateway ${r('uniform.gateway', 'uniform.baseline')} Node baseline`,
    `hot ${r('hot.direct', 'hot.baseline')} Node baseline hot, ${r('hot.direct', 'uniform.direct')} our uniform`,
    `batch ${r('uniform.batch', 'uniform.pgbench')} pgbench uniform`,
  ].join('; ');
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
    },
  });
  try {
    const gateway = system.urls.gateway;
    const direct = system.urls.balance;
    const balancePid = system.pids.balance;
    if (!direct || !balancePid) throw new Error('the balance service is not part of this checkout');
    const token = await adminToken(gateway, db.url);
    console.log(`setting up ${ACCOUNTS} accounts…`);
    // Through the gateway, so that it is as warmed up as balance when the measured rounds begin.
    const ids = await createAccounts(gateway, token);
    await setupBaseline(db.url, ACCOUNTS);
    const withPgbench = await pgbenchAvailable();
    if (!withPgbench) console.log('pgbench is not on PATH: the raw-SQL baseline is left out');
    const rows = [];
    let rssPeak = 0;
    let heapAtPeak: Record<string, number> = {};
    const sampleRss = async () => {
      const rss = await rssMiB(balancePid);
      if (rss <= rssPeak) return;
      rssPeak = rss;
      heapAtPeak = await heapMiB(direct);
    };
    const cpuScope = { services: system.pids, database: new URL(db.url).pathname.slice(1) };
    let cpu: { before: CpuSample; after: CpuSample; transfers: number } | undefined;
    let baselineCpu: typeof cpu;
    let gatewayCpu: typeof cpu;
    let pgbenchCpu: typeof cpu;
    let tables: { before: TableSample; after: TableSample; transfers: number } | undefined;
    const figures: Record<string, number> = {};
    for (const scenario of ['uniform', 'hot'] as const) {
      const runs: Record<'baseline' | 'pgbench' | 'direct' | 'gateway' | 'batch', RunFigures[]> = {
        baseline: [],
        pgbench: [],
        direct: [],
        gateway: [],
        batch: [],
      };
      for (let round_ = 0; round_ < ROUNDS; round_++) {
        // Each run starts once the previous one's events are relayed and consumed, so none of them pays for
        // another's backlog.
        await quiesce(system.urls);
        await vacuumAnalyze(db.url);
        const baselineCpuBefore = sampleCpu(cpuScope);
        const baselineRun = await runBaseline(db.url, {
          concurrency: CONCURRENCY,
          durationMs: DURATION_S * 1000,
          pick: picker(scenario, ACCOUNTS),
        });
        runs.baseline.push(baselineRun);
        if (scenario === 'uniform' && round_ === 0)
          baselineCpu = {
            before: baselineCpuBefore,
            after: sampleCpu(cpuScope),
            transfers: baselineRun.tps * DURATION_S,
          };
        if (withPgbench) {
          await quiesce(system.urls);
          const pgbenchCpuBefore = sampleCpu(cpuScope);
          const pgbenchRun = await runPgbench({
            url: db.url,
            accounts: ACCOUNTS,
            concurrency: CONCURRENCY,
            durationS: DURATION_S,
            hot: scenario === 'hot',
          });
          runs.pgbench.push(pgbenchRun);
          if (scenario === 'uniform' && round_ === 0)
            pgbenchCpu = {
              before: pgbenchCpuBefore,
              after: sampleCpu(cpuScope),
              transfers: pgbenchRun.tps * DURATION_S,
            };
        }
        await quiesce(system.urls);
        const profiled = scenario === 'uniform' && round_ === 0;
        const tablesBefore = profiled ? await sampleTables(db.url) : undefined;
        const cpuBefore = sampleCpu(cpuScope);
        const run = await runHttp(direct, token, ids, scenario);
        runs.direct.push(run);
        if (profiled && tablesBefore) {
          // After the pipelines drain, so each transfer's events (relayed, consumed) are in its cost too.
          await quiesce(system.urls);
          cpu = { before: cpuBefore, after: sampleCpu(cpuScope), transfers: run.tps * DURATION_S };
          tables = { before: tablesBefore, after: await sampleTables(db.url), transfers: cpu.transfers };
        }
        await sampleRss();
        await quiesce(system.urls);
        const gatewayCpuBefore = sampleCpu(cpuScope);
        const gatewayRun = await runHttp(gateway, token, ids, scenario);
        runs.gateway.push(gatewayRun);
        if (profiled) {
          await quiesce(system.urls);
          gatewayCpu = {
            before: gatewayCpuBefore,
            after: sampleCpu(cpuScope),
            transfers: gatewayRun.tps * DURATION_S,
          };
        }
        if (scenario === 'uniform') {
          await quiesce(system.urls);
          runs.batch.push(await runBatch(direct, token, ids));
        }
      }
      const node = median(runs.baseline.map((r) => r.tps));
      const pgbench = withPgbench ? median(runs.pgbench.map((r) => r.tps)) : undefined;
      const against = { node, ...(pgbench ? { pgbench } : {}) };
      figures[`${scenario}.baseline`] = node;
      if (pgbench) figures[`${scenario}.pgbench`] = pgbench;
      figures[`${scenario}.direct`] = median(runs.direct.map((r) => r.tps));
      figures[`${scenario}.gateway`] = median(runs.gateway.map((r) => r.tps));
      rows.push(summarize(`${scenario}: Node baseline (1 tx per transfer)`, runs.baseline, against));
      if (withPgbench)
        rows.push(summarize(`${scenario}: pgbench (same SQL, C client)`, runs.pgbench, against));
      rows.push(summarize(`${scenario}: balance direct`, runs.direct, against));
      rows.push(summarize(`${scenario}: through gateway`, runs.gateway, against));
      if (runs.batch.length > 0) {
        figures[`${scenario}.batch`] = median(runs.batch.map((r) => r.tps));
        rows.push(summarize(`${scenario}: batch of ${BATCH_SIZE}, direct`, runs.batch, against));
      }
    }
    const halfRate = Math.max(1, Math.round((figures['uniform.direct'] ?? 0) / 2));
    const halves = [];
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      await quiesce(system.urls);
      halves.push(await runPaced(direct, token, ids, halfRate));
    }
    const half = {
      p50Ms: median(halves.map((h) => h.p50Ms)),
      p99Ms: median(halves.map((h) => h.p99Ms)),
      failed: halves.reduce((a, h) => a + h.failed, 0),
    };
    await sampleRss();
    console.table(rows);
    console.log(
      `uniform direct at half the peak rate (${halfRate}/s, evenly paced, medians of ${ROUNDS}): ` +
        `p50 ${round(half.p50Ms, 2)} ms, p99 ${round(half.p99Ms, 2)} ms, failed ${half.failed}`,
    );
    console.log(
      `balance service RSS (max sampled after load): ${rssPeak} MiB; at that sample, in MiB:`,
      heapAtPeak,
    );
    if (cpu && baselineCpu) {
      console.log(
        'CPU per transfer by process (uniform, first round; for balance, its events relayed and consumed):',
      );
      console.table({
        'Node baseline': cpuPerUnit(baselineCpu.before, baselineCpu.after, baselineCpu.transfers),
        ...(pgbenchCpu
          ? { pgbench: cpuPerUnit(pgbenchCpu.before, pgbenchCpu.after, pgbenchCpu.transfers) }
          : {}),
        'balance direct': cpuPerUnit(cpu.before, cpu.after, cpu.transfers),
        ...(gatewayCpu
          ? { 'through gateway': cpuPerUnit(gatewayCpu.before, gatewayCpu.after, gatewayCpu.transfers) }
          : {}),
      });
    }
    if (tables) {
      console.log(
        'Rows and index entries written per transfer, by table (balance direct, uniform, first round; ' +
          'every service, its events relayed and consumed):',
      );
      console.table(writesPerUnit(tables.before, tables.after, tables.transfers));
    }
    console.log(ratioLine(figures));
  } finally {
    await system.stop();
    await db.drop();
  }
}

await main();
