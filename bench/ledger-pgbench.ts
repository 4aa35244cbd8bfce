/**
 * The raw-SQL baseline: pgbench (PostgreSQL's own C client) running the Node baseline's statements — lock
 * both rows in id order, two balance UPDATEs with a non-negative check, an INSERT of the transfer, an INSERT
 * of an outbox row — against the same tables, at the same concurrency, on the same server, in the same run.
 * A Node client costs about as much CPU as the database on a small machine, so this is the honest figure
 * for "what the SQL alone costs". pgbench must be on PATH (Debian's `postgresql-client` ships it); without
 * it the benchmark says so and leaves the figure out.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunFigures } from './ledger-baseline.ts';
import { percentile } from './lib.ts';

const run = promisify(execFile);

/** pgbench's threads: one per core of this machine is what its documentation advises. */
const PGBENCH_THREADS = 2;

/**
 * The transfer as a pgbench script. `hot` credits account 0 every time; otherwise the credit is uniform
 * over every account but the debit one. The outbox payload is built by the server from the same values.
 */
const SCRIPT = `
\\set debit random(1, :accounts - 1)
\\if :hot
\\set credit 0
\\else
\\set credit random(0, :accounts - 2)
\\if :credit >= :debit
\\set credit :credit + 1
\\endif
\\endif
begin;
select id from baseline.accounts where id in (:debit, :credit) order by id for update;
update baseline.accounts set balance = balance - 100 where id = :debit and balance >= 100;
update baseline.accounts set balance = balance + 100 where id = :credit;
insert into baseline.transfers (debit_id, credit_id, amount) values (:debit, :credit, 100);
insert into baseline.outbox (payload) values (jsonb_build_object('type', 'transfer.posted', 'debit', :debit::bigint, 'credit', :credit::bigint, 'amount', 100));
commit;
`;

export async function pgbenchAvailable(): Promise<boolean> {
  try {
    await run('pgbench', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * One pgbench run on the baseline's tables (set up by `setupBaseline`). Latencies come from pgbench's
 * per-transaction log, so p50 and p99 are computed the same way as for every other figure here.
 */
export async function runPgbench(opts: {
  url: string;
  accounts: number;
  concurrency: number;
  durationS: number;
  hot: boolean;
}): Promise<RunFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'strongbox-pgbench-'));
  try {
    const script = join(dir, 'transfer.sql');
    await writeFile(script, SCRIPT);
    const { stdout } = await run(
      'pgbench',
      [
        '--no-vacuum',
        '--protocol=prepared',
        `--client=${opts.concurrency}`,
        `--jobs=${Math.min(PGBENCH_THREADS, opts.concurrency)}`,
        `--time=${opts.durationS}`,
        `--file=${script}`,
        `--define=accounts=${opts.accounts}`,
        `--define=hot=${opts.hot ? 1 : 0}`,
        '--log',
        `--log-prefix=${join(dir, 'tx')}`,
        opts.url,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    if (tps === undefined) throw new Error(`pgbench printed no rate:\n${stdout}`);
    const latencies = await transactionLatencies(dir);
    return {
      tps: Number(tps),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      failed,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every transaction's latency in ms, sorted, from the log files (`client tx time_us script epoch us`). */
async function transactionLatencies(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith('tx.')) continue;
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      const micros = Number(line.split(' ')[2]);
      if (line !== '' && Number.isFinite(micros)) out.push(micros / 1000);
    }
  }
  return out.sort((a, b) => a - b);
}
