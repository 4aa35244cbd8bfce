import { prepared, type Queryable } from '@strongbox/postgres';

export type NotificationVerdict =
  | 'authentic'
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_stale'
  | 'signature_mismatch';

export interface ReceivedNotification {
  readonly notificationId: string;
  readonly receivedAt: Date;
  readonly verdict: NotificationVerdict;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  readonly traceId: string | null;
}

/**
 * Stores a received notification in the insert-only log. Returns whether it is new: an authentic
 * notification whose id is already logged as authentic is a duplicate (the bank retried or sent it twice),
 * and nothing more is done with it. An authentic new one is queued for processing in the same statement's
 * transaction, so it is never logged without being handled.
 */
export async function logNotification(tx: Queryable, n: ReceivedNotification): Promise<{ fresh: boolean }> {
  const { rowCount } = await tx.query(
    prepared(
      `insert into bank_notifications (notification_id, received_at, verdict, headers, raw_body, trace_id)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (notification_id) where verdict = 'authentic' do nothing`,
      [n.notificationId, n.receivedAt, n.verdict, JSON.stringify(n.headers), n.rawBody, n.traceId],
    ),
  );
  const fresh = rowCount === 1;
  if (fresh && n.verdict === 'authentic')
    await tx.query(
      prepared('insert into bank_notification_outcomes (notification_id) values ($1)', [n.notificationId]),
    );
  return { fresh };
}
