import { type Logger, sleep } from '@strongbox/kernel';
import { type Pool, prepared } from '@strongbox/postgres';
import type { Subscription, SubscriptionHandlers } from './transport.ts';
import { createWakeup } from './wakeup.ts';

/** A retry timer never sleeps longer than this; the poll picks up anything later. */
const RETRY_WAKE_MAX_MS = 60_000;

interface Claimed {
  readonly id: string;
  readonly envelope: unknown;
  readonly claims: number;
}

/**
 * One consumer's loop on the PostgreSQL transport. Each round is one statement that deletes the rows
 * acknowledged since the last round and claims as many new ones as there are free slots; handlers run
 * concurrently and hand their acks back to the loop. Under load many acks share one statement (and one
 * commit); when idle, a finished handler wakes the loop so its ack is not held back. The loop sleeps
 * until a notification, a finished handler, a retry coming due, or the poll interval.
 */
export function startPgSubscriber(opts: {
  pool: Pool;
  /** Quoted schema name. */
  schema: string;
  subscription: Subscription;
  handlers: SubscriptionHandlers;
  leaseMs: number;
  pollMs: number;
  logger?: Logger;
}): { wake(): void; stop(): Promise<void> } {
  const { pool, schema, subscription, handlers } = opts;
  const log = opts.logger?.child({ consumer: subscription.name, transport: 'postgres' });
  const stopping = new AbortController();
  const wakeup = createWakeup();
  const inFlight = new Set<Promise<void>>();
  let acked: string[] = [];

  // The claim hides rows for the lease (a visibility timeout) and counts the delivery; SKIP LOCKED lets
  // several instances of the consumer claim side by side. Acked rows are still leased, so they are never
  // among the rows claimed by the same statement.
  const ackAndClaim = async (acks: readonly string[], limit: number): Promise<Claimed[]> => {
    const { rows } = await pool.query<{ id: bigint; envelope: unknown; claims: number }>(
      prepared(
        `with acked as (delete from ${schema}.deliveries where id = any($4::bigint[]))
       update ${schema}.deliveries d
          set available_at = now() + $3 * interval '1 millisecond', claims = d.claims + 1
         from (select id from ${schema}.deliveries
                where consumer = $1 and available_at <= now()
                order by id limit $2 for update skip locked) c
        where d.id = c.id
        returning d.id, d.envelope, d.claims`,
        [subscription.name, limit, opts.leaseMs, acks],
      ),
    );
    return rows
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({ id: String(r.id), envelope: r.envelope, claims: r.claims }));
  };

  const handle = async (row: Claimed): Promise<void> => {
    try {
      const disposition = await handlers.onMessage({ body: row.envelope, attempt: row.claims });
      if (disposition.kind === 'ack') {
        acked.push(row.id);
        return;
      }
      await pool.query(
        `update ${schema}.deliveries set available_at = now() + $2 * interval '1 millisecond' where id = $1`,
        [row.id, disposition.delayMs],
      );
      const timer = setTimeout(() => wakeup.wake(), Math.min(disposition.delayMs, RETRY_WAKE_MAX_MS));
      timer.unref();
    } catch (err) {
      // No outcome: the claim stays until its lease expires and the row is delivered again, which is
      // exactly what happens when the process dies here.
      log?.warn({ err, deliveryId: row.id }, 'delivery left to its lease');
    }
  };

  const round = async (): Promise<boolean> => {
    const free = subscription.concurrency - inFlight.size;
    if (free <= 0 && acked.length === 0) return false;
    const acks = acked;
    acked = [];
    let rows: Claimed[];
    try {
      rows = await ackAndClaim(acks, Math.max(0, free));
    } catch (err) {
      acked.push(...acks);
      log?.warn({ err }, 'claim failed');
      await sleep(opts.pollMs, stopping.signal);
      return false;
    }
    for (const row of rows) {
      const p: Promise<void> = handle(row).finally(() => {
        inFlight.delete(p);
        wakeup.wake();
      });
      inFlight.add(p);
    }
    // A full claim suggests more rows are waiting: go again at once if a slot is still free.
    return free > 0 && rows.length === free && inFlight.size < subscription.concurrency;
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      if (await round()) continue;
      await wakeup.wait(opts.pollMs, stopping.signal);
    }
    await Promise.allSettled(inFlight);
    if (acked.length > 0) await ackAndClaim(acked, 0).catch((err) => log?.warn({ err }, 'final acks failed'));
  })();

  return {
    wake: () => wakeup.wake(),
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
