import { type Pool, prepared } from '@strongbox/postgres';
import type { NotificationOutcomes } from '../features/bank-notification-processing/ports.ts';

/** The processor's port over bank_notification_outcomes and the insert-only log it points into. */
export function notificationOutcomes(pool: Pool): NotificationOutcomes {
  return {
    async due(now, limit) {
      const { rows } = await pool.query<{ notification_id: string; raw_body: Buffer; attempts: number }>(
        prepared(
          `select o.notification_id, n.raw_body, o.attempts
           from bank_notification_outcomes o
           join bank_notifications n on n.notification_id = o.notification_id and n.verdict = 'authentic'
           where o.processed_at is null and (o.next_attempt_at is null or o.next_attempt_at <= $1)
           order by n.position limit $2`,
          [now, limit],
        ),
      );
      return rows.map((r) => ({
        notificationId: r.notification_id,
        rawBody: r.raw_body,
        attempts: r.attempts,
      }));
    },
    async processed(notificationId, at) {
      await pool.query(
        prepared(
          `update bank_notification_outcomes set processed_at = $2, attempts = attempts + 1, last_error = null
           where notification_id = $1`,
          [notificationId, at],
        ),
      );
    },
    async failed(notificationId, next, error) {
      await pool.query(
        prepared(
          `update bank_notification_outcomes set attempts = attempts + 1, next_attempt_at = $2, last_error = $3
           where notification_id = $1`,
          [notificationId, next, error.slice(0, 1_000)],
        ),
      );
    },
  };
}
