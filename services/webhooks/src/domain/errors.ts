import { defineErrors } from '@strongbox/kernel';

/** The webhooks service's catalogue of expected failures; the HTTP edge turns each into a problem document. */
export const webhookErrors = defineErrors({
  endpoint_not_found: { status: 404, title: 'No such webhook endpoint' },
  delivery_not_found: { status: 404, title: 'No such webhook delivery' },
  invalid_url: { status: 400, title: 'The URL is not a valid webhook URL' },
  url_not_allowed: { status: 400, title: 'The URL points to an address webhooks may not reach' },
  invalid_cursor: { status: 400, title: 'The cursor is not valid' },
  endpoint_limit_reached: { status: 409, title: 'Too many webhook endpoints' },
  endpoint_disabled: { status: 409, title: 'The webhook endpoint is disabled' },
  delivery_pending: { status: 409, title: 'The delivery is still being attempted' },
  // The same semantics as the shared store of packages/postgres (brief §4); see infra/idempotency.ts.
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used for a different request' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still running' },
});
