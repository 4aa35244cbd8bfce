import pg from 'pg';

/** Connection limits; every pool is bounded so one service cannot starve the server. */
export const POOL_SIZE_MAX_DEFAULT = 10;
export const CONNECT_TIMEOUT_MS = 5_000;
export const IDLE_TIMEOUT_MS = 30_000;
/** A statement that runs longer than this is cancelled by the server rather than holding locks forever. */
export const STATEMENT_TIMEOUT_MS = 15_000;

const INT8_OID = 20;

/**
 * int8 (BIGINT) columns come back as `bigint`, never as a lossy number or a string to parse. The parser is
 * set per pool, not globally, so no other library sharing `pg` is surprised.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && (format === undefined || format === 'text')) return (v: string) => BigInt(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PoolOptions {
  readonly url: string;
  /** The service's own schema; it becomes the search_path so queries name tables without a prefix. */
  readonly schema?: string;
  readonly sizeMax?: number;
  readonly applicationName?: string;
  /** Called with errors of idle clients (e.g. the server restarted); without it they would crash the process. */
  readonly onError: (err: Error) => void;
}

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * @example
 * const pool = createPool({ url, schema: 'identity', onError: (err) => log.error({ err }, 'pg idle error') });
 */
export function createPool(opts: PoolOptions): pg.Pool {
  const searchPath = opts.schema ? `-c search_path=${quoteIdent(opts.schema)},public ` : '';
  // Prepared statements (prepared.ts) are still planned for their values each time: a generic plan cached
  // while a table was small (a seq scan) would otherwise outlive the table's growth until the next analyze.
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.sizeMax ?? POOL_SIZE_MAX_DEFAULT,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    application_name: opts.applicationName ?? opts.schema ?? 'strongbox',
    options: `${searchPath}-c statement_timeout=${STATEMENT_TIMEOUT_MS} -c timezone=UTC -c plan_cache_mode=force_custom_plan`,
    types,
  });
  pool.on('error', opts.onError);
  return pool;
}

/** Double-quotes an identifier; schema names come from code, but quoting keeps them from ever being SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Readiness probe: the database answers a trivial query within the connect timeout. */
export async function ping(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}
