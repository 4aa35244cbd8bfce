import { createHmac } from 'node:crypto';

/**
 * The notification signature of seed 000: hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared
 * secret. During a rotation two secrets are configured and the header carries one signature per secret,
 * comma-separated, so a receiver that knows either one accepts the notification.
 */
export function signNotification(secrets: readonly string[], timestampS: number, body: string): string {
  return secrets
    .map((secret) => createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex'))
    .join(',');
}
