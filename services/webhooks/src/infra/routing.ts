import type { Queryable } from '@strongbox/postgres';

/**
 * The queries behind webhooks' subscription patterns (ADR 0046; routing.ts uses them): the routing lock,
 * the event types enabled endpoints select, and the record of what may be in place on the transport.
 */

/**
 * Serialises every change of the subscription's patterns with the endpoint writes that call for one:
 * held from a write to its commit, so a recomputation never misses a write it could not see yet.
 */
const ROUTING_LOCK = 'strongbox:webhooks:routing';

/** Takes the routing lock until the transaction ends. */
export async function lockRouting(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [ROUTING_LOCK]);
}

/**
 * The distinct event types enabled endpoints select, at most `limit` of them (a caller that gets `limit`
 * takes every event instead). One pass over the enabled endpoints: run on each endpoint change only.
 */
export async function selectedEventTypes(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    `select distinct t from endpoints, unnest(event_types) t where status = 'enabled' limit $1`,
    [limit],
  );
  return rows.map((r) => r.t);
}

/** The patterns that may be in place for `consumer` (empty when none is recorded). */
export async function recordedPatterns(db: Queryable, consumer: string): Promise<string[]> {
  const { rows } = await db.query<{ patterns: string[] }>(
    'select patterns from subscription_patterns where consumer = $1',
    [consumer],
  );
  return rows[0]?.patterns ?? [];
}

/** Adds patterns to the record (before they are put in place), keeping the ones already there. */
export async function addRecordedPatterns(
  db: Queryable,
  consumer: string,
  patterns: readonly string[],
): Promise<void> {
  await db.query(
    `insert into subscription_patterns (consumer, patterns) values ($1, $2)
       on conflict (consumer) do update
         set patterns = array(select distinct p from unnest(subscription_patterns.patterns || excluded.patterns) p),
             updated_at = now()`,
    [consumer, [...patterns]],
  );
}

/**
 * Records `patterns` as what is in place once they were set, keeping what was added to the record since
 * `read` was read (a change under way, not yet in place or not yet committed).
 */
export async function replaceRecordedPatterns(
  db: Queryable,
  consumer: string,
  patterns: readonly string[],
  read: readonly string[],
): Promise<void> {
  await db.query(
    `insert into subscription_patterns (consumer, patterns) values ($1, $2)
       on conflict (consumer) do update
         set patterns = array(select distinct p from unnest(excluded.patterns
                                || array(select unnest(subscription_patterns.patterns) except select unnest($3::text[]))) p),
             updated_at = now()`,
    [consumer, [...patterns], [...read]],
  );
}
