/**
 * The `reconcile` scenario of `npm run bench:deals` (ADR 0033): N deals waiting at the bank (submitted,
 * awaiting payment; created with the bank's limits lifted), then deals restarted so that reconciliation
 * asks about them at once (DEALS_RECONCILE_AFTER_MS=0, a short interval), with the sandbox's limits on
 * (10 calls a second per method) and the bank client's limiter at its default, and a second deals instance
 * on the same database so that the lock has someone to refuse.
 *
 * What it reads: the pass's time from deals.reconciliation_checks (each deal's comparison is stamped
 * there), the bank's calls by method and status from the sandbox's own /metrics (sampled every second for
 * the busiest second), the lock's holders from pg_locks (sampled), and runs and retries from each
 * instance's /metrics. Then the same figures extrapolated to 10,000 deals.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type pg from 'pg';
import { type RestartedService, restartService } from '../scripts/restart-service.ts';
import { type RunningSystem, SERVICE_NODE_FLAGS } from '../scripts/system.ts';
import { round } from './lib.ts';

type Post = (token: string, path: string, body: unknown) => Promise<Record<string, unknown>>;

/** The sandbox's limit per method with BANK_RATE_LIMITS=on, and the bank client's default (BANK_RATE_PER_S). */
const BANK_LIMIT_PER_S = 10;
/** The service's defaults (domain/reconciliation.ts), for the extrapolation. */
const DEFAULT_BATCH_MAX = 1_000;
const DEFAULT_INTERVAL_MS = 300_000;
const TARGET_DEALS = 10_000;
const PASS_TIMEOUT_MS = 900_000;
/** A pass over many deals takes at least 100 ms a deal at the bank's 10 calls a second: three times that. */
const PASS_TIMEOUT_MS_PER_DEAL = 300;
const READY_TIMEOUT_MS = 60_000;
const LOCK_KEY = 'strongbox:deals:reconciliation';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReconcileOptions {
  readonly n: number;
  /** DEALS_RECONCILE_INTERVAL_MS of the pass (short, so that the first run starts at once). */
  readonly intervalMs: number;
  /** Whether to start a second deals instance against the same database. */
  readonly secondInstance: boolean;
  readonly concurrency: number;
  readonly amount: number;
  readonly system: RunningSystem;
  readonly db: pg.Client;
  readonly post: Post;
  readonly parties: {
    readonly agent: string;
    readonly payers: readonly string[];
    readonly recipients: readonly [string, string];
  };
  readonly notifyUrl: Readonly<Record<string, string>>;
  readonly sandbox: RestartedService | undefined;
  readonly deals: RestartedService | undefined;
}

/** Counts of `http_request_duration_seconds_count` by "METHOD route" and status code. */
type Calls = Map<string, Map<string, number>>;

export async function reconcileScenario(o: ReconcileOptions): Promise<{
  sandbox: RestartedService;
  deals: RestartedService;
}> {
  const { db, system } = o;
  const ids = await createWaiting(o);
  console.log(`reconcile: ${ids.length} deals awaiting payment at the bank`);

  const sandbox = await restartService(
    system,
    'bank-sandbox',
    { ...o.notifyUrl, BANK_RATE_LIMITS: 'on' },
    o.sandbox,
  );
  const reconcileEnv = {
    DEALS_RECONCILE_AFTER_MS: '0',
    DEALS_RECONCILE_INTERVAL_MS: String(o.intervalMs),
    // The client's default; the system's environment lifts it for the other scenarios.
    BANK_CLIENT_RATE_LIMIT_PER_S: String(BANK_LIMIT_PER_S),
  };
  const { rows: t0Rows } = await db.query<{ now: Date }>('select now() as now');
  const t0 = t0Rows[0]?.now as Date;
  const deals = await restartService(system, 'deals', reconcileEnv, o.deals);
  const second = o.secondInstance ? await startSecondDeals(system, reconcileEnv) : undefined;
  const bankUrl = system.urls['bank-sandbox'] as string;
  const dealsUrls = [system.urls.deals as string, ...(second ? [second.url] : [])];
  try {
    // The lock's holders, sampled often: never more than one is the claim.
    let holdersMax = 0;
    let lockSamples = 0;
    let sampling = true;
    const lockSampler = (async () => {
      try {
        while (sampling) {
          const { rows } = await db.query<{ n: number }>(
            `select count(*)::int as n from pg_locks
              where locktype = 'advisory' and granted and objsubid = 1
                and database = (select oid from pg_database where datname = current_database())
                and objid = (hashtext($1)::bigint & 4294967295)::oid`,
            [LOCK_KEY],
          );
          holdersMax = Math.max(holdersMax, rows[0]?.n ?? 0);
          lockSamples++;
          await sleep(100);
        }
      } catch {
        // The run failed elsewhere and its client is being closed: the failure is what is reported.
      }
    })();

    // The sandbox's counts every second until every deal has been compared once since t0.
    const scrapes: Array<{ at: number; calls: Calls }> = [];
    const deadline = Date.now() + Math.max(PASS_TIMEOUT_MS, ids.length * PASS_TIMEOUT_MS_PER_DEAL);
    let pass: { first: Date; last: Date; n: number } | undefined;
    for (;;) {
      scrapes.push({ at: performance.now(), calls: await sandboxCalls(bankUrl) });
      const { rows } = await db.query<{ n: number; first: Date; last: Date }>(
        `select count(*)::int as n, min(checked_at) as first, max(checked_at) as last
           from deals.reconciliation_checks where subject = any($1) and checked_at >= $2`,
        [ids, t0],
      );
      const r = rows[0];
      if (r && r.n === ids.length) {
        pass = r;
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`reconciliation compared ${r?.n ?? 0} of ${ids.length} deals`);
      await sleep(1_000);
    }
    // The first run's end (its payers come after its deals): what it asked the bank, before any other run.
    const ranSoFar = async () =>
      (await Promise.all(dealsUrls.map(dealsRuns))).reduce((a, r) => a + (r.get('ran') ?? 0), 0);
    while ((await ranSoFar()) < 1) {
      if (Date.now() > deadline) throw new Error('the first reconciliation run never ended');
      await sleep(50);
    }
    const firstRun = await sandboxCalls(bankUrl);
    // A few more runs of the short interval, so that the other instance tries the lock while one holds it.
    await sleep(o.intervalMs * 3);
    scrapes.push({ at: performance.now(), calls: await sandboxCalls(bankUrl) });
    sampling = false;
    await lockSampler;

    const passS = (pass.last.getTime() - pass.first.getTime()) / 1000;
    const totals = scrapes.at(-1)?.calls ?? new Map();
    const busiest = busiestSecond(scrapes);
    const rows = [...totals].map(([method, byStatus]) => {
      const all = [...byStatus.values()].reduce((a, b) => a + b, 0);
      return {
        method,
        'calls (all runs)': all,
        'in the first run': countOf(firstRun, (m) => m === method),
        '429': byStatus.get('429') ?? 0,
        'busiest second /s': round(busiest.get(method) ?? 0, 1),
        limit: method.includes('/self-employed') ? 1 : BANK_LIMIT_PER_S,
      };
    });
    rows.sort((a, b) => b['calls (all runs)'] - a['calls (all runs)']);
    const instances = await Promise.all(dealsUrls.map(dealsFigures));

    // One call per deal (GET the bank's deal) and one per payer (its virtual account's balance).
    const dealCalls = countOf(firstRun, (m) => /^GET .*\/deals\/:[^/]+$/.test(m));
    const balanceCalls = countOf(firstRun, (m) => m.startsWith('GET') && m.includes('balance'));
    const measured = (dealCalls + balanceCalls) / ids.length;

    console.log(
      `reconciliation of ${ids.length} waiting deals (${o.parties.payers.length} payers), bank limits on (${BANK_LIMIT_PER_S}/s per method), ${dealsUrls.length} deals instance(s):`,
    );
    console.table(rows);
    console.table({
      'one pass over the deals, first → last compared (s)': round(passS, 1),
      'deals compared per second': round(ids.length / Math.max(passS, 0.001), 1),
      'bank calls per deal in the first run (GET deal + GET balances)': round(measured, 3),
      '429s from the sandbox': rows.reduce((a, r) => a + r['429'], 0),
      'lock holders at once (max of samples)': `${holdersMax} (${lockSamples} samples)`,
    });
    console.log('deals instances (runs by outcome, bank retries by method):');
    console.table(instances.map((f, i) => ({ instance: i + 1, ...f })));
    console.log(
      `extrapolated to ${TARGET_DEALS} waiting deals at the defaults (calls × deals ÷ ${BANK_LIMIT_PER_S}/s):`,
    );
    const extrapolate = (perDeal: number) => {
      const callsS = (TARGET_DEALS * perDeal) / BANK_LIMIT_PER_S;
      const runs = Math.ceil(TARGET_DEALS / DEFAULT_BATCH_MAX);
      const runS = callsS / runs;
      return {
        'bank calls per deal': round(perDeal, 3),
        'bank calls': Math.round(TARGET_DEALS * perDeal),
        's of calls (one run over all)': round(callsS, 0),
        [`runs at DEALS_RECONCILE_BATCH_MAX=${DEFAULT_BATCH_MAX}`]: runs,
        'runs the limit alone forces (≤ one interval each)': Math.ceil(callsS / (DEFAULT_INTERVAL_MS / 1000)),
        's per run': round(runS, 0),
        // A run starts an interval after the one before ended (reconciliation-parts.ts).
        'min for a full pass (runs × (run + interval))': round(
          (runs * (runS + DEFAULT_INTERVAL_MS / 1000)) / 60,
          1,
        ),
      };
    };
    console.table({
      [`as measured (${o.parties.payers.length} payers)`]: extrapolate(measured),
      'each deal its own payer': extrapolate(2),
    });
    const oneRunS = (TARGET_DEALS * measured) / BANK_LIMIT_PER_S;
    if (oneRunS > DEFAULT_INTERVAL_MS / 1000)
      console.log(
        `note: one run over ${TARGET_DEALS} deals would take ${round(oneRunS, 0)} s of bank calls, longer than the ${DEFAULT_INTERVAL_MS / 1000} s interval: the bank's limit alone needs ≥ ${Math.ceil(oneRunS / (DEFAULT_INTERVAL_MS / 1000))} runs (each within an interval), the batch limit makes it ${Math.ceil(TARGET_DEALS / DEFAULT_BATCH_MAX)}.`,
      );
    return { sandbox, deals };
  } finally {
    await second?.stop();
  }
}

/** Creates and submits `n` deals from `concurrency` loops; resolves once all await payment at the bank. */
async function createWaiting(o: ReconcileOptions): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const create = async () => {
    while (next < o.n) {
      const i = next++;
      const deal = await o.post(o.parties.agent, '/v1/deals', {
        title: `Reconcile deal ${i}`,
        payerEmail: o.parties.payers[i % o.parties.payers.length],
        milestones: [
          {
            title: 'Keys',
            amount: o.amount,
            release: { kind: 'immediate' },
            recipients: [
              { recipientId: o.parties.recipients[0], share: { percentBp: 6_000 } },
              { recipientId: o.parties.recipients[1], share: { percentBp: 4_000 } },
            ],
          },
        ],
      });
      ids.push(String(deal['id']));
      await o.post(o.parties.agent, `/v1/deals/${deal['id']}/submit`, {});
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, create));
  const deadline = Date.now() + PASS_TIMEOUT_MS;
  for (;;) {
    const { rows } = await o.db.query<{ n: number }>(
      `select count(*)::int as n from deals.deal_views where deal_id = any($1) and status = 'awaiting_payment'`,
      [ids],
    );
    if (rows[0]?.n === ids.length) return ids;
    if (Date.now() > deadline)
      throw new Error(`${ids.length - (rows[0]?.n ?? 0)} deals never awaited payment`);
    await sleep(500);
  }
}

async function sandboxCalls(url: string): Promise<Calls> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Calls = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds_count{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const route = labels['route'] ?? '';
    if (!route.startsWith('/api/')) continue;
    const method = `${labels['method']} ${route}`;
    const byStatus = out.get(method) ?? new Map<string, number>();
    byStatus.set(labels['status_code'] ?? '', Number(line.slice(line.lastIndexOf(' ') + 1)));
    out.set(method, byStatus);
  }
  return out;
}

/** The highest rate of each method between two consecutive scrapes (about a second apart). */
function busiestSecond(scrapes: ReadonlyArray<{ at: number; calls: Calls }>): Map<string, number> {
  const sum = (c: Calls, m: string) => [...(c.get(m)?.values() ?? [])].reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  for (let i = 1; i < scrapes.length; i++) {
    const a = scrapes[i - 1]!;
    const b = scrapes[i]!;
    const s = (b.at - a.at) / 1000;
    // Only windows of about a second: the last one spans the wait after the pass.
    if (s > 1.5) continue;
    for (const m of b.calls.keys())
      out.set(m, Math.max(out.get(m) ?? 0, (sum(b.calls, m) - sum(a.calls, m)) / s));
  }
  return out;
}

const countOf = (calls: Calls, which: (method: string) => boolean) =>
  [...calls]
    .filter(([m]) => which(m))
    .reduce((a, [, byStatus]) => a + [...byStatus.values()].reduce((x, y) => x + y, 0), 0);

async function dealsRuns(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const l of text.split('\n'))
    if (l.startsWith('deals_reconciliation_runs_total{'))
      out.set(l.match(/outcome="([^"]*)"/)?.[1] ?? '', Number(l.slice(l.lastIndexOf(' ') + 1)));
  return out;
}

async function dealsFigures(url: string): Promise<Record<string, string>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name: string, label: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`))
      .map((l) => `${l.match(new RegExp(`${label}="([^"]*)"`))?.[1]}=${l.slice(l.lastIndexOf(' ') + 1)}`)
      .join(' ') || '0';
  return {
    runs: pick('deals_reconciliation_runs_total', 'outcome'),
    'bank retries': pick('deals_bank_retries_total', 'method'),
  };
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** Another deals process on the same database (its own port), as a second instance in production. */
async function startSecondDeals(system: RunningSystem, env: Readonly<Record<string, string>>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS, resolve(import.meta.dirname, '..', 'services', 'deals', 'src', 'main.ts')],
    {
      cwd: resolve(import.meta.dirname, '..'),
      env: { ...system.env, ...env, DEALS_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    },
  );
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the second deals instance exited (${child.exitCode})`);
    try {
      if ((await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('the second deals instance was not ready');
    await sleep(100);
  }
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
