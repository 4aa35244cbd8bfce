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
 * and nothing more is done with it. An authentic new one is queued for processing by the same statement,
 * so it is never logged without being handled. One statement, atomic on its own: the request holds a
 * connection for one round trip instead of four (begin, two inserts, commit), which is most of the time a
 * notification takes to be answered (docs/BENCHMARKS.md, "Deals").
 */
export async function logNotification(db: Queryable, n: ReceivedNotification): Promise<{ fresh: boolean }> {
  const { rows } = await db.query<{ fresh: number }>(
    prepared(
      `with logged as (
         insert into bank_notifications (notification_id, received_at, verdict, headers, raw_body, trace_id)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (notification_id) where verdict = 'authentic' do nothing
         returning notification_id, verdict
       ), queued as (
         insert into bank_notification_outcomes (notification_id)
         select notification_id from logged where verdict = 'authentic'
       )
       select count(*)::int as fresh from logged`,
      [n.notificationId, n.receivedAt, n.verdict, JSON.stringify(n.headers), n.rawBody, n.traceId],
    ),
  );
  return { fresh: rows[0]?.fresh === 1 };
}
