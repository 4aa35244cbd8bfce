/**
 * `npm run audit [-- --json]`: checks the ledger's invariants on the live database and exits 1 if any
 * fails (2 if it cannot run). Uses DATABASE_URL when set, else the embedded server in `.strongbox/`
 * (reused if `npm start` is running). It only reads: on a database without the balance schema there is
 * no ledger yet, which trivially holds.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '@strongbox/kernel';
import { attachOrStartEmbedded, createPool } from '@strongbox/postgres';
import { runAudit } from '../infra/audit.ts';
import { SERVICE } from '../infra/events.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } }, strict: true });
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
  try {
    const { rows } = await pool.query<{ exists: boolean }>(
      `select exists (select 1 from information_schema.tables where table_schema = $1 and table_name = 'accounts')`,
      [SERVICE],
    );
    if (!rows[0]?.exists) {
      console.log('audit: no ledger yet (the balance schema has no tables); nothing to check');
      return 0;
    }
    const report = await runAudit(pool, systemClock.now());
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const c of report.checks) {
        const figures = Object.entries(c.figures)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.description}${figures ? ` [${figures}]` : ''}`);
        if (!c.ok) console.log(`     offending: ${c.offending.join(', ')}`);
      }
      console.log(report.ok ? 'audit: the ledger holds' : 'audit: the ledger is BROKEN; see the runbook');
    }
    return report.ok ? 0 : 1;
  } catch (err) {
    console.error(`audit: ${(err as Error).message}`);
    return 2;
  } finally {
    await pool.end();
    await stopDb();
  }
}

process.exitCode = await main();
