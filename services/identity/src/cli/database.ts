import { resolve } from 'node:path';
import { attachOrStartEmbedded, createPool, migrate, type Pool } from '@strongbox/postgres';
import { SERVICE } from '../app.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');

/**
 * The database `npm start` uses: DATABASE_URL when set, else the embedded server in `.strongbox/` (reused
 * if `npm start` is running, started for the length of the command if not). Identity's migrations are
 * applied, so the command also works before the first `npm start`.
 */
export async function openIdentityDatabase(): Promise<{ pool: Pool; close(): Promise<void> }> {
  let url = process.env['DATABASE_URL'];
  let stopDb = async () => {};
  if (!url) {
    const db = await attachOrStartEmbedded({
      home: resolve(ROOT, process.env['STRONGBOX_HOME'] ?? '.strongbox'),
    });
    url = db.url;
    stopDb = () => db.stop();
  }
  const pool = createPool({ url, schema: SERVICE, sizeMax: 2, onError: () => undefined });
  await migrate(pool, { schema: SERVICE, dir: resolve(import.meta.dirname, '../migrations') });
  return {
    pool,
    async close() {
      await pool.end();
      await stopDb();
    },
  };
}
