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
 * Applies the service's pending migrations to its own schema. All pending files run in one transaction under
 * an advisory lock, so two instances starting together apply them once, and a failing file leaves the schema
 * exactly as it was before this start. An applied file whose text has changed stops the start too:
 * migrations are forward-only.
 *
 * @example
 * await migrate(pool, { schema: 'identity', dir: new URL('./migrations', import.meta.url).pathname });
 */
export async function migrate(
  pool: pg.Pool,
  opts: { schema: string; dir: string },
): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(opts.dir);
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
      version int primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      `select version, name, checksum from ${schema}.schema_migrations`,
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new MigrationError(`migration ${m.name} was changed after it was applied (as ${prior.name})`);
        }
        continue;
      }
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${opts.schema}/${m.name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await client.query(
        `insert into ${schema}.schema_migrations (version, name, checksum) values ($1, $2, $3)`,
        [m.version, m.name, m.checksum],
      );
      applied.push(m.name);
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
