import { NOTIFICATION_RETRIES_MAX, NOTIFICATION_TYPES } from '../domain/notifications.ts';

/**
 * How a receiver checks a notification, written into the OpenAPI document (info.description and the
 * `bankNotification` webhook) so that a receiver can be written from the document alone.
 */
export const NOTIFICATION_SIGNING = `## Notifications and their signatures

Each state change is POSTed as JSON to \`BANK_NOTIFICATION_URL\` (see the \`bankNotification\` webhook) with:

- \`X-Notification-Id\`: the notification's id, the same on every attempt: deduplicate by it;
- \`X-Timestamp\`: unix seconds of this attempt;
- \`X-Signature\`: lower-case hex HMAC-SHA256, keyed with \`BANK_NOTIFICATION_SECRET\`, of the bytes
  \`<X-Timestamp>.<raw body>\` (the timestamp's decimal text, a full stop, then the body exactly as received,
  before any JSON parsing).

During a rotation of \`BANK_NOTIFICATION_SECRET\` two secrets are configured (\`old,new\`) and
\`X-Signature\` carries one signature per secret, comma-separated. Accept the notification if any of them
equals the signature you compute with a secret you hold; compare in constant time. Refuse a timestamp far
from your clock to limit replays.

Any 2xx answer is success. Otherwise it is retried up to ${NOTIFICATION_RETRIES_MAX} times, after
\`BANK_NOTIFICATION_RETRY_BASE_MS\` × 4^(n−1). Delivery is at least once and not ordered: treat the body as a
hint, deduplicate by id, and re-read the object it names.`;

const HEADER = (name: string, description: string, pattern: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string', pattern },
});

/** The document with the notification webhook of OpenAPI 3.1 added. */
export function withNotificationDocs(doc: Record<string, unknown>): Record<string, unknown> {
  return {
    ...doc,
    webhooks: {
      bankNotification: {
        post: {
          summary: 'A state change, signed (see the description of this document)',
          description: NOTIFICATION_SIGNING,
          parameters: [
            HEADER('X-Notification-Id', 'The notification id, the same on every attempt', '^[0-9a-f-]{36}$'),
            HEADER('X-Timestamp', 'Unix seconds of the attempt', '^\\d+$'),
            HEADER(
              'X-Signature',
              'Hex HMAC-SHA256 of "<X-Timestamp>.<raw body>", one per secret, comma-separated',
              '^[0-9a-f]{64}(,[0-9a-f]{64})?$',
            ),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['notificationId', 'type', 'objectId', 'status', 'occurredAt', 'data'],
                  properties: {
                    notificationId: { type: 'string', format: 'uuid' },
                    type: { type: 'string', enum: [...NOTIFICATION_TYPES] },
                    objectId: { type: 'string' },
                    status: { type: 'string' },
                    occurredAt: { type: 'string', format: 'date-time' },
                    data: { type: 'object', description: 'Amounts in decimal rubles, as in the API' },
                  },
                },
              },
            },
          },
          responses: { '2XX': { description: 'Received; anything else is retried' } },
        },
      },
    },
  };
}
