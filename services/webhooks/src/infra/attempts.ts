import type { Queryable } from '@strongbox/postgres';
import type { AttemptResult, DeliveryNext } from '../domain/schedule.ts';
import type { SecretBox } from './secret-box.ts';

/** A delivery claimed by one worker for one attempt, with what that attempt needs from its endpoint. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly payload: string;
  readonly traceId: string | null;
  readonly createdAt: Date;
  /** This attempt's number among all attempts of the delivery (numbers the attempts row). */
  readonly attemptNumber: number;
  /** This attempt's number within the current schedule (drives the retry decision). */
  readonly scheduleAttempt: number;
  readonly url: string;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints. Rows another instance is claiming are skipped
 * (`for update skip locked`), and the claim is committed at once: the attempt runs outside any transaction,
 * so a slow endpoint holds no lock and no connection. While it runs, `next_attempt_at` is pushed to the
 * end of a lease; if the process dies mid-attempt the delivery becomes due again when the lease ends
 * (at least once, never lost). The attempt counters are the claim's token: the result is applied only if
 * they still match.
 */
export async function claimDue(
  tx: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
  box: SecretBox,
): Promise<ClaimedDelivery[]> {
  const { rows } = await tx.query<{
    id: string;
    endpoint_id: string;
    event_id: string;
    payload: string;
    trace_id: string | null;
    created_at: Date;
    attempt_count: number;
    schedule_attempts: number;
    url: string;
    secret: string;
    previous_secret: string | null;
    previous_secret_expires_at: Date | null;
  }>(
    `with due as (
       select d.id from deliveries d join endpoints e on e.id = d.endpoint_id
       where d.status = 'pending' and d.next_attempt_at <= $1 and e.status = 'enabled'
       order by d.next_attempt_at
       limit $3
       for update of d skip locked
     )
     update deliveries d
     set next_attempt_at = $2, attempt_count = d.attempt_count + 1,
         schedule_attempts = d.schedule_attempts + 1, updated_at = $1
     from due, endpoints e
     where d.id = due.id and e.id = d.endpoint_id
     returning d.id, d.endpoint_id, d.event_id, d.payload, d.trace_id, d.created_at, d.attempt_count,
       d.schedule_attempts,
       e.url, e.secret, e.previous_secret, e.previous_secret_expires_at`,
    [now, leaseUntil, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    payload: r.payload,
    traceId: r.trace_id,
    createdAt: r.created_at,
    attemptNumber: r.attempt_count,
    scheduleAttempt: r.schedule_attempts,
    url: r.url,
    secret: box.open(r.secret, r.endpoint_id),
    previousSecret: r.previous_secret === null ? null : box.open(r.previous_secret, r.endpoint_id),
    previousSecretExpiresAt: r.previous_secret_expires_at,
  }));
}

/** Records an attempt, unless its delivery was deleted (with its endpoint) while the attempt ran. */
export async function insertAttempt(
  tx: Queryable,
  a: {
    id: string;
    deliveryId: string;
    number: number;
    attemptedAt: Date;
    durationMs: number;
    result: AttemptResult;
    responseStatus: number | null;
    responseBody: string | null;
    error: string | null;
  },
): Promise<void> {
  await tx.query(
    `insert into attempts (id, delivery_id, number, attempted_at, duration_ms, result, response_status,
       response_body, error)
     select $1, $2, $3, $4, $5, $6, $7, $8, $9
     where exists (select 1 from deliveries where id = $2)
     on conflict (delivery_id, number) do nothing`,
    [
      a.id,
      a.deliveryId,
      a.number,
      a.attemptedAt,
      a.durationMs,
      a.result,
      a.responseStatus,
      a.responseBody,
      a.error,
    ],
  );
}

/**
 * Applies the retry decision if the claim still holds: a delivery whose lease ran out and was claimed again,
 * resent, or failed by disabling its endpoint meanwhile is left as the newer actor set it.
 */
export async function settleDelivery(
  tx: Queryable,
  claim: { id: string; attemptNumber: number },
  next: DeliveryNext,
  attemptedAt: Date,
): Promise<boolean> {
  const nextAt = next.status === 'pending' ? next.nextAttemptAt : null;
  const { rowCount } = await tx.query(
    `update deliveries set status = $3, next_attempt_at = $4, last_attempt_at = $5, updated_at = $5
     where id = $1 and attempt_count = $2 and status = 'pending'`,
    [claim.id, claim.attemptNumber, next.status, nextAt, attemptedAt],
  );
  return (rowCount ?? 0) > 0;
}
