/**
 * The baseline the ledger is measured against: the plain way, one SQL transaction per transfer (two
 * balance UPDATEs with a non-negative check, an INSERT of the transfer, an INSERT of an outbox row), at the
 * same concurrency, on the same server, in the same run.
 */
import pg from 'pg';
import { percentile } from './lib.ts';

/** One connection per concurrent worker, as a plain service would hold; above the default concurrency. */
export const POOL_SIZE_MAX = 64;

export interface RunFigures {
  readonly tps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
}

/** The baseline's tables and accounts, written once per benchmark run. */
export async function setupBaseline(url: string, accounts: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
    create schema if not exists baseline;
    create table baseline.accounts (id bigint primary key, balance bigint not null check (balance >= 0));
    create table baseline.transfers (id bigint generated always as identity primary key, debit_id bigint not null,
      credit_id bigint not null, amount bigint not null, created_at timestamptz not null default now());
    create table baseline.outbox (position bigint generated always as identity primary key, payload jsonb not null);`);
    await client.query(
      'insert into baseline.accounts (id, balance) select g, 1000000000000 from generate_series(0, $1::int - 1) g',
      [accounts],
    );
  } finally {
    await client.end();
  }
}

/** Runs `concurrency` loops of single transfers until `durationMs` passes. */
export async function runBaseline(
  url: string,
  opts: { concurrency: number; durationMs: number; pick: () => [number, number] },
): Promise<RunFigures> {
  // A pool per run, ended after it: the connections it holds would otherwise count against the server's
  // limit while pgbench runs.
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE_MAX });
  pool.on('error', () => {});
  try {
    return await loops(pool, opts);
  } finally {
    await pool.end();
  }
}

async function loops(
  pool: pg.Pool,
  opts: { concurrency: number; durationMs: number; pick: () => [number, number] },
): Promise<RunFigures> {
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + opts.durationMs;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (performance.now() < deadline) {
        const [debit, credit] = opts.pick();
        const started = performance.now();
        try {
          await client.query('begin');
          // Rows are locked in id order, as any correct implementation must, so the baseline never deadlocks.
          const [first, second] = debit < credit ? [debit, credit] : [credit, debit];
          await client.query('select id from baseline.accounts where id in ($1, $2) order by id for update', [
            first,
            second,
          ]);
          const debited = await client.query(
            'update baseline.accounts set balance = balance - 100 where id = $1 and balance >= 100',
            [debit],
          );
          if (debited.rowCount !== 1) throw new Error('insufficient funds');
          await client.query('update baseline.accounts set balance = balance + 100 where id = $1', [credit]);
          await client.query(
            'insert into baseline.transfers (debit_id, credit_id, amount) values ($1, $2, 100)',
            [debit, credit],
          );
          await client.query('insert into baseline.outbox (payload) values ($1)', [
            JSON.stringify({ type: 'transfer.posted', debit, credit, amount: 100 }),
          ]);
          await client.query('commit');
          latencies.push(performance.now() - started);
        } catch {
          failed += 1;
          await client.query('rollback');
        }
      }
    } finally {
      client.release();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    tps: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failed,
  };
}
