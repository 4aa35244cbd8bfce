import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signing, done by the specification's own library rather than by hand: the signature
 * is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the secret's decoded bytes.
 */
export const SECRET_PREFIX = 'whsec_';
/** 32 random bytes: the top of the 24–64 bytes the specification recommends, and SHA-256's block-safe size. */
export const SECRET_BYTES = 32;

export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

export const DELIVERY_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
export const USER_AGENT = 'Strongbox-Webhooks/0.1';

/**
 * The headers of one attempt. Several secrets (during a rotation's grace period) give several signatures,
 * space-separated, and a receiver accepts the message if any of them verifies with its secret.
 */
export function signedHeaders(
  msg: { webhookId: string; timestamp: Date; body: string },
  secrets: readonly string[],
): Record<string, string> {
  const signatures = secrets.map((s) => new Webhook(s).sign(msg.webhookId, msg.timestamp, msg.body));
  return {
    'content-type': DELIVERY_CONTENT_TYPE,
    'user-agent': USER_AGENT,
    'webhook-id': msg.webhookId,
    'webhook-timestamp': String(Math.floor(msg.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
