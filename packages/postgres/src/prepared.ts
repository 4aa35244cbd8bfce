import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Statement texts that get a prepared-statement name. Beyond it, texts are sent unnamed (parsed every
 * time, as plain queries are): a guard against a caller passing text built at run time, which would
 * otherwise grow this map and every connection's statement cache without end.
 */
export const PREPARED_TEXTS_MAX = 500;

const names = new Map<string, string>();

/**
 * A query that PostgreSQL parses once per connection and then only binds and executes (named prepared
 * statement, extended protocol). For the statements run thousands of times a second, parsing them again
 * each time was a large share of the server's CPU. Pools still plan every execution for its values
 * (`plan_cache_mode=force_custom_plan`, pool.ts), so a plan never outlives the table sizes it was chosen
 * for; what is saved is the parsing.
 *
 * Only for constant SQL text: the values go in `values`. The name is a hash of the text, so two texts can
 * never share a name, and the same text in any module does. Name the columns rather than `select *`: a
 * prepared `*` fails ("cached plan must not change result type") when a migration adds a column under a
 * running instance. Not for use behind a pooler in transaction mode, which would hand the statement to a
 * connection that never prepared it.
 *
 * @example
 * await tx.query(prepared('select id from accounts where id = any($1::text[])', [ids]));
 */
export function prepared(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= PREPARED_TEXTS_MAX) return { text, values: [...values] };
    name = `sb_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values: [...values] };
}
