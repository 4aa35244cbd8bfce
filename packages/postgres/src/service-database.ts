import { ConfigError } from '@strongbox/kernel';
import { type MigrationModule, migrate } from './migrate.ts';
import { createPool, type Pool } from './pool.ts';

/** A service started on its own needs a database; npm start always passes one. */
export function requireDatabaseUrl<T extends { readonly DATABASE_URL?: string | undefined }>(
  config: T,
): T & { readonly DATABASE_URL: string } {
  if (!config.DATABASE_URL)
    throw new ConfigError('DATABASE_URL', 'a URL (postgres: or postgresql:)', undefined);
  return config as T & { readonly DATABASE_URL: string };
}

/**
 * A service's pool on its own schema, with its migrations (and those of the shared modules it uses)
 * applied. A failed migration closes the pool and rethrows, leaving the schema as it was.
 *
 * @example
 * const pool = await orExit(SERVICE, openServiceDatabase({ service: SERVICE, url, sizeMax, migrations, log }));
 */
export async function openServiceDatabase(opts: {
  service: string;
  url: string;
  sizeMax: number;
  migrations: { readonly dir: string; readonly modules?: readonly MigrationModule[] };
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}): Promise<Pool> {
  const pool = createPool({
    url: opts.url,
    schema: opts.service,
    sizeMax: opts.sizeMax,
    onError: (err) => opts.log.error({ err }, 'idle database connection failed'),
  });
  try {
    const { applied } = await migrate(pool, { schema: opts.service, ...opts.migrations });
    if (applied.length > 0) opts.log.info({ applied }, 'migrations applied');
    return pool;
  } catch (err) {
    await pool.end();
    throw err;
  }
}
