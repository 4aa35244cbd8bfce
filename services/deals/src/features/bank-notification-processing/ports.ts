/** An authentic notification from the log, waiting to be processed (its body as the bank sent it). */
export interface LoggedNotification {
  readonly notificationId: string;
  readonly rawBody: Buffer;
  /** Attempts before this one. */
  readonly attempts: number;
}

/** The notification log's outcomes (bank_notification_outcomes), as the processor sees them. */
export interface NotificationOutcomes {
  /** Due notifications, oldest first, at most `limit`. */
  due(now: Date, limit: number): Promise<readonly LoggedNotification[]>;
  processed(notificationId: string, at: Date): Promise<void>;
  /** This attempt failed: tried again at `next`, with why. */
  failed(notificationId: string, next: Date, error: string): Promise<void>;
}
