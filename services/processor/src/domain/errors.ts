import { defineErrors } from '@strongbox/kernel';

/** The processor's catalogue of expected failures; the HTTP edge turns each into a problem document. */
export const processorErrors = defineErrors({
  processing_not_found: { status: 404, title: 'No processing record for this order' },
});
