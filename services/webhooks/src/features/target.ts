import { webhookErrors } from '../domain/errors.ts';
import type { WebhooksPorts } from '../ports.ts';

/** Refuses a URL webhooks may not be sent to, as a field error on `body/url`. */
export async function targetOrThrow(ports: WebhooksPorts, url: string): Promise<void> {
  const verdict = await ports.checkTarget(url);
  if (verdict.ok) return;
  const errors = [{ field: 'body/url', message: verdict.problem }];
  throw verdict.code === 'invalid_url'
    ? webhookErrors.invalid_url(`The URL ${verdict.problem}`, { errors })
    : webhookErrors.url_not_allowed(`The URL ${verdict.problem}`, { errors });
}
