/**
 * `npm run deals:rebuild`: throws the deals read models away and derives them again from the event store
 * alone (ADR 0023), then prints how many deals it folded. Safe while the service runs: the rebuild is one
 * repeatable-read transaction, readers see the old rows until it commits, and a command that commits
 * meanwhile keeps its newer row (the projection's version guard). Uses DATABASE_URL when set, else the
 * embedded server in `.strongbox/` (reused if `npm start` is running). Exit 0 on success, 2 if it cannot run.
 */
import { resolve } from 'node:path';
import { attachOrStartEmbedded, createPool, migrate } from '@strongbox/postgres';
import { MIGRATIONS } from '../infra/migrations.ts';
import { rebuildReadModels } from '../infra/rebuild.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');

async function main(): Promise<number> {
  let url = process.env['DATABASE_URL'];
  let stopDb = async () => {};
  if (!url) {
    const db = await attachOrStartEmbedded({
      home: resolve(ROOT, process.env['STRONGBOX_HOME'] ?? '.strongbox'),
    });
    url = db.url;
    stopDb = () => db.stop();
  }
  const pool = createPool({ url, schema: MIGRATIONS.schema, sizeMax: 2, onError: () => undefined });
  try {
    // The read models' tables must exist to be rebuilt; on a fresh database this creates them empty.
    await migrate(pool, MIGRATIONS);
    const started = Date.now();
    const { deals } = await rebuildReadModels(pool);
    console.log(`deals:rebuild: ${deals} deals folded from their events in ${Date.now() - started} ms`);
    return 0;
  } finally {
    await pool.end();
    await stopDb();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`deals:rebuild: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
