/**
 * Shared pieces of the benchmarks: a database of their own on a real PostgreSQL (DATABASE_URL's server,
 * or a throwaway embedded one), the running system, an admin token, and the statistics we quote.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startEmbedded } from '@strongbox/postgres/embedded';
import pg from 'pg';

export const ROOT = resolve(import.meta.dirname, '..');

/** A fresh database for one benchmark run, on DATABASE_URL's server or on a throwaway embedded one. */
export async function benchDatabase(): Promise<{ url: string; server: string; drop(): Promise<void> }> {
  let server = process.env['DATABASE_URL'];
  let stopServer = async () => {};
  if (!server) {
    const embedded = await startEmbedded({
      home: join(ROOT, '.strongbox', `bench-${process.pid}`),
      throwaway: true,
    });
    server = embedded.url;
    stopServer = () => embedded.stop();
  }
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    server,
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      await stopServer();
    },
  };
}

/**
 * VACUUM ANALYZE of the whole benchmark database. A run must not depend on the server's autovacuum, which
 * may be off (CI servers turn it off) or a minute away: without statistics the planner guesses, and dead
 * rows from the previous round are read again. Called between rounds, outside what is measured, for the
 * baselines and the services alike; says once whether autovacuum is on.
 */
export async function vacuumAnalyze(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    if (!vacuumNoted) {
      const { rows } = await c.query<{ autovacuum: string }>('show autovacuum');
      console.log(
        `autovacuum on this server: ${rows[0]?.autovacuum}; each round starts after a VACUUM ANALYZE`,
      );
      vacuumNoted = true;
    }
    await c.query('vacuum (analyze)');
  } finally {
    await c.end();
  }
}
let vacuumNoted = false;

/** Creates an admin with the real CLI and logs in through the gateway. */
export async function adminToken(gateway: string, databaseUrl: string): Promise<string> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'benchmark passphrase 2026';
  // The password goes in on standard input, never on the command line (where ps shows it).
  const created = promisify(execFile)(
    process.execPath,
    ['services/identity/src/cli/admin-create.ts', '--email', email],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } },
  );
  created.child.stdin?.end(`${password}\n`);
  await created;
  const res = await fetch(`${gateway}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const i = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, i)] as number;
}

/** Resident set size of a process, from /proc (Linux), in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

/**
 * Where a service's memory is, from its own /metrics (prom-client's default metrics), in MiB: the V8 heap
 * (total reserved and used), memory outside it (Buffers, the driver's sockets) and its array buffers.
 */
export async function heapMiB(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return m ? Math.round(Number(m[1]) / 2 ** 20) : Number.NaN;
  };
  return {
    'heap total': read('nodejs_heap_size_total_bytes'),
    'heap used': read('nodejs_heap_size_used_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A POST with a bearer token and a fresh Idempotency-Key; anything but 2xx stops the benchmark. */
export async function postJson(
  base: string,
  token: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** How long `quiesce` waits for the event pipelines to drain before it gives up. */
export const QUIESCE_TIMEOUT_MS = 180_000;

/**
 * Waits until no service has an unpublished outbox event or a consumer backlog (from their own /metrics),
 * so that one scenario's events are not still being relayed and consumed while the next is measured.
 */
export async function quiesce(urls: Readonly<Record<string, string | undefined>>): Promise<void> {
  const deadline = Date.now() + QUIESCE_TIMEOUT_MS;
  const pending = /^strongbox_(consumer_lag_messages|outbox_oldest_unpublished_seconds)\{[^}]*\} (\S+)$/;
  let quietRounds = 0;
  while (quietRounds < 2) {
    if (Date.now() > deadline) throw new Error('the event pipelines did not drain');
    let busy = false;
    for (const url of Object.values(urls)) {
      if (!url) continue;
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const line of text.split('\n')) {
        const m = pending.exec(line);
        if (m && Number(m[2]) > 0) busy = true;
      }
    }
    quietRounds = busy ? 0 : quietRounds + 1;
    await new Promise((r) => setTimeout(r, 250));
  }
}
