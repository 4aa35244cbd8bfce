import { defineErrors } from '@strongbox/kernel';

/** The webhooks service's catalogue of expected failures; the HTTP edge turns each into a problem document. */
export const webhookErrors = defineErrors({
  endpoint_not_found: { status: 404, title: 'No such webhook endpoint' },
  delivery_not_found: { status: 404, title: 'No such webhook delivery' },
  invalid_url: { status: 400, title: 'The URL is not a valid webhook URL' },
  url_not_allowed: { status: 400, title: 'The URL points to an address webhooks may not reach' },
  endpoint_limit_reached: { status: 409, title: 'Too many webhook endpoints' },
  endpoint_disabled: { status: 409, title: 'The webhook endpoint is disabled' },
  delivery_pending: { status: 409, title: 'The delivery is still being attempted' },
});
