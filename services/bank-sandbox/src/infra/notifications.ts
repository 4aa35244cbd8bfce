import { randomUUID } from 'node:crypto';
import type { Queryable } from '@strongbox/postgres';
import { planDelivery } from '../domain/faults.ts';
import { afterFailure, type NotificationFact } from '../domain/notifications.ts';
import { stringifyBank } from '../http/bank-json.ts';
import { signNotification } from './signing.ts';
import type { Sim } from './sim.ts';

/** Notifications one delivery round takes; the next round takes the rest. */
export const DELIVERY_BATCH_MAX = 20;
export const DELIVERY_TIMEOUT_MS = 5_000;

/** Writes a notification in the transaction of the change it reports (the outbox pattern). */
export async function enqueueNotification(tx: Queryable, fact: NotificationFact, sim: Sim): Promise<void> {
  const now = sim.clock.now();
  const id = randomUUID();
  // Amounts in a notification are written as in the API: rubles in JSON numbers.
  const body = stringifyBank({
    notificationId: id,
    type: fact.type,
    objectId: fact.objectId,
    status: fact.status,
    occurredAt: now.toISOString(),
    data: fact.data ?? {},
  });
  const dueAt = new Date(now.getTime() + sim.faults.notificationDelayMs);
  await tx.query(
    `insert into notifications (id, type, body, due_at, created_at) values ($1, $2, $3, $4, $5)`,
    [id, fact.type, body, dueAt, now],
  );
}

export interface DeliveryOptions {
  readonly url: string | undefined;
  readonly secrets: readonly string[];
  readonly retryBaseMs: number;
  readonly fetch?: typeof fetch;
}

interface Due {
  id: string;
  body: string;
  attempts: number;
}

/**
 * One round of delivery: the due notifications, oldest first, each POSTed with its signature. Any 2xx is
 * success; anything else is retried later with a growing delay, up to NOTIFICATION_RETRIES_MAX times.
 * Rows are locked while they are sent (skip locked), so two rounds never send one notification at once.
 */
export async function deliverDue(
  pool: { connect(): Promise<Queryable & { release(): void }> },
  sim: Sim,
  opts: DeliveryOptions,
): Promise<number> {
  if (!opts.url) return 0;
  const client = await pool.connect();
  let sent = 0;
  try {
    await client.query('begin');
    const rows = await dueInOrder(client, sim);
    for (const row of rows) {
      const now = sim.clock.now();
      if (sim.faults.dropNotifications > 0) {
        sim.faults.dropNotifications--;
        await client.query(
          `update notifications set delivered_at = $2, last_error = 'dropped' where id = $1`,
          [row.id, now],
        );
        continue;
      }
      const copies = sim.faults.duplicateNotifications > 0 ? 2 : 1;
      if (copies === 2) sim.faults.duplicateNotifications--;
      let error: string | undefined;
      for (let i = 0; i < copies && error === undefined; i++) error = await post(opts, row, now);
      const attempts = row.attempts + 1;
      if (error === undefined) {
        sent++;
        await client.query(
          `update notifications set attempts = $2, delivered_at = $3, last_error = null where id = $1`,
          [row.id, attempts, now],
        );
        continue;
      }
      const next = afterFailure(attempts, opts.retryBaseMs);
      await client.query(
        `update notifications set attempts = $2, last_error = $3, due_at = coalesce($4, due_at), given_up_at = $5 where id = $1`,
        [
          row.id,
          attempts,
          error,
          next.retry ? new Date(now.getTime() + next.delayMs) : null,
          next.retry ? null : now,
        ],
      );
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return sent;
}

/**
 * The round's notifications in the order they are sent: oldest first, unless /_sim/ holds some back to
 * send them reversed or shuffled (planDelivery). Held ones stay undelivered rows, so a restart or
 * clearing the faults sends them in the ordinary way.
 */
async function dueInOrder(client: Queryable, sim: Sim): Promise<Due[]> {
  const f = sim.faults;
  const { rows } = await client.query<Due>(
    `select id, body, attempts from notifications
     where delivered_at is null and given_up_at is null and due_at <= $1 and not (id = any($3::uuid[]))
     order by due_at, created_at limit $2 for update skip locked`,
    [sim.clock.now(), DELIVERY_BATCH_MAX, f.heldNotifications],
  );
  if (f.reorderNotifications === 0 && f.heldNotifications.length === 0) return rows;
  const plan = planDelivery(
    rows.map((r) => r.id),
    f,
    sim.random,
  );
  f.heldNotifications = [...plan.held];
  f.reorderNotifications = plan.stillToHold;
  const released = await client.query<Due>(
    `select id, body, attempts from notifications
     where id = any($1::uuid[]) and delivered_at is null and given_up_at is null for update skip locked`,
    [plan.send.filter((id) => !rows.some((r) => r.id === id))],
  );
  const byId = new Map([...rows, ...released.rows].map((r) => [r.id, r]));
  return plan.send.flatMap((id) => byId.get(id) ?? []);
}

async function post(opts: DeliveryOptions, row: Due, now: Date): Promise<string | undefined> {
  const timestampS = Math.floor(now.getTime() / 1000);
  try {
    const res = await (opts.fetch ?? fetch)(opts.url as string, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-notification-id': row.id,
        'x-timestamp': String(timestampS),
        'x-signature': signNotification(opts.secrets, timestampS, row.body),
      },
      body: row.body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    return (err as Error).message.slice(0, 200);
  }
}
