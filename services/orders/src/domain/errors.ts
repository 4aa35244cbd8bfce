import { defineErrors } from '@strongbox/kernel';

/** The orders service's catalogue of expected failures; the HTTP edge turns each into a problem document. */
export const orderErrors = defineErrors({
  order_not_found: { status: 404, title: 'No such order' },
  account_not_found: { status: 404, title: 'No such account' },
  order_not_cancellable: { status: 409, title: 'The order can no longer be cancelled' },
  balance_unavailable: { status: 503, title: 'The balance service is unavailable' },
});
