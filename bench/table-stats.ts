/**
 * Rows and index entries written per unit of work, by table, from PostgreSQL's own counters
 * (pg_stat_user_tables): inserts, updates (and how many were HOT, which write no index entry), deletes.
 * Unlike CPU time, these counts do not depend on how busy the machine is, so they show where a design
 * writes more than another. Index entries are estimated as (inserts + non-HOT updates) × the table's
 * index count; a delete writes none.
 */
import pg from 'pg';

interface Counts {
  readonly ins: number;
  readonly upd: number;
  readonly hot: number;
  readonly del: number;
  readonly indexes: number;
}

export type TableSample = ReadonlyMap<string, Counts>;

/** PostgreSQL flushes a backend's counters at most once a second; waiting this long makes them current. */
const STATS_FLUSH_MS = 1_500;

export async function sampleTables(url: string): Promise<TableSample> {
  await new Promise((r) => setTimeout(r, STATS_FLUSH_MS));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A fresh snapshot each time: by default a transaction sees the counters as of its first read.
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{
      name: string;
      ins: string;
      upd: string;
      hot: string;
      del: string;
      indexes: number;
    }>(
      `select t.schemaname || '.' || t.relname as name, t.n_tup_ins as ins, t.n_tup_upd as upd,
              t.n_tup_hot_upd as hot, t.n_tup_del as del,
              (select count(*)::int from pg_index i where i.indrelid = t.relid) as indexes
         from pg_stat_user_tables t`,
    );
    return new Map(
      rows.map((r) => [
        r.name,
        {
          ins: Number(r.ins),
          upd: Number(r.upd),
          hot: Number(r.hot),
          del: Number(r.del),
          indexes: r.indexes,
        },
      ]),
    );
  } finally {
    await client.end();
  }
}

/** Per unit of work between two samples, for every table that was written, with the totals. */
export function writesPerUnit(before: TableSample, after: TableSample, units: number) {
  const per = (n: number) => Math.round((n / Math.max(units, 1)) * 100) / 100;
  const rows: Record<string, Record<string, number>> = {};
  const total = { inserted: 0, updated: 0, 'HOT updates': 0, deleted: 0, 'index entries': 0 };
  for (const [name, a] of after) {
    const b = before.get(name) ?? { ins: 0, upd: 0, hot: 0, del: 0, indexes: a.indexes };
    const d = { ins: a.ins - b.ins, upd: a.upd - b.upd, hot: a.hot - b.hot, del: a.del - b.del };
    if (d.ins + d.upd + d.del === 0) continue;
    const index = (d.ins + d.upd - d.hot) * a.indexes;
    rows[name] = {
      inserted: per(d.ins),
      updated: per(d.upd),
      'HOT updates': per(d.hot),
      deleted: per(d.del),
      'index entries': per(index),
    };
    total.inserted += d.ins;
    total.updated += d.upd;
    total['HOT updates'] += d.hot;
    total.deleted += d.del;
    total['index entries'] += index;
  }
  rows['total'] = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, per(v)]));
  return rows;
}
