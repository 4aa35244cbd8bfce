import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { quoteIdent } from './pool.ts';

const FILE_PATTERN = /^(\d{4})-[a-z0-9-]+\.sql$/;

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const name of files) {
    const match = FILE_PATTERN.exec(name);
    if (!match) throw new MigrationError(`migration file ${name} must be named NNNN-kebab-name.sql`);
    const version = Number(match[1]);
    if (out.some((m) => m.version === version))
      throw new MigrationError(`two migrations numbered ${version}`);
    const sql = await readFile(join(dir, name), 'utf8');
    out.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

/**
 * Shared tables a package owns (the outbox, the inbox, the idempotency store) are migrations modules: a
 * folder of numbered files like a service's own, applied into the service's schema before its own files
 * and recorded under the module's name.
 */
export interface MigrationModule {
  readonly name: string;
  readonly dir: string;
}

/** The service's own files are recorded under this module name. */
export const SERVICE_MODULE = 'service';

/** Shared modules of packages/postgres, by name; a service lists the ones it uses. */
export const POSTGRES_MODULES = {
  outbox: { name: 'outbox', dir: new URL('../migrations/outbox', import.meta.url).pathname },
  /** Opt-in, listed after `outbox`: published rows move to an archive instead of being marked (ADR 0039). */
  outboxArchive: {
    name: 'outboxarchive',
    dir: new URL('../migrations/outboxarchive', import.meta.url).pathname,
  },
  inbox: { name: 'inbox', dir: new URL('../migrations/inbox', import.meta.url).pathname },
  idempotency: { name: 'idempotency', dir: new URL('../migrations/idempotency', import.meta.url).pathname },
  deadletters: { name: 'deadletters', dir: new URL('../migrations/deadletters', import.meta.url).pathname },
  eventstore: { name: 'eventstore', dir: new URL('../migrations/eventstore', import.meta.url).pathname },
} as const satisfies Record<string, MigrationModule>;

/**
 * Applies the service's pending migrations (and those of the shared modules it uses) to its own schema.
 * All pending files run in one transaction under an advisory lock, so two instances starting together
 * apply them once, and a failing file leaves the schema exactly as it was before this start. An applied
 * file whose text has changed stops the start too: migrations are forward-only.
 *
 * @example
 * await migrate(pool, { schema: 'identity', dir: new URL('./migrations', import.meta.url).pathname });
 * await migrate(pool, { schema: 'balance', dir, modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.idempotency] });
 */
export async function migrate(
  pool: pg.Pool,
  opts: { schema: string; dir: string; modules?: readonly MigrationModule[] },
): Promise<{ applied: string[] }> {
  const plan: Array<{ module: string; migrations: Migration[] }> = [];
  for (const m of opts.modules ?? []) plan.push({ module: m.name, migrations: await loadMigrations(m.dir) });
  plan.push({ module: SERVICE_MODULE, migrations: await loadMigrations(opts.dir) });
  const schema = quoteIdent(opts.schema);
  const client = await pool.connect();
  let broken = false;
  // A dropped connection must reject this call, not crash the process with an uncaught 'error'.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`strongbox:migrate:${opts.schema}`]);
    await client.query(`create schema if not exists ${schema}`);
    await client.query(`set local search_path to ${schema}, public`);
    await client.query(`create table if not exists ${schema}.schema_migrations (
      module text not null default '${SERVICE_MODULE}', version int not null, name text not null,
      checksum text not null, applied_at timestamptz not null default now(), primary key (module, version))`);
    const { rows } = await client.query<{ module: string; version: number; name: string; checksum: string }>(
      `select module, version, name, checksum from ${schema}.schema_migrations`,
    );
    const done = new Map(rows.map((r) => [`${r.module}/${r.version}`, r]));
    const applied: string[] = [];
    for (const { module, migrations } of plan) {
      for (const m of migrations) {
        const label = module === SERVICE_MODULE ? m.name : `${module}/${m.name}`;
        const prior = done.get(`${module}/${m.version}`);
        if (prior) {
          if (prior.checksum !== m.checksum) {
            throw new MigrationError(
              `migration ${label} was changed after it was applied (as ${prior.name})`,
            );
          }
          continue;
        }
        try {
          await client.query(m.sql);
        } catch (err) {
          throw new MigrationError(`migration ${opts.schema}/${label} failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
        await client.query(
          `insert into ${schema}.schema_migrations (module, version, name, checksum) values ($1, $2, $3, $4)`,
          [module, m.version, m.name, m.checksum],
        );
        applied.push(label);
      }
    }
    await client.query('commit');
    return { applied };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
