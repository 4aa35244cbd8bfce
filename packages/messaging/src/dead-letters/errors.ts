import { defineErrors } from '@strongbox/kernel';

/** The messaging package's catalogue of expected failures; the HTTP edge turns each into a problem. */
export const messagingErrors = defineErrors({
  dead_letter_not_found: { status: 404, title: 'No such dead letter' },
  dead_letter_not_dead: { status: 409, title: 'The dead letter was already replayed or discarded' },
  replay_failed: { status: 503, title: 'The event could not be handed back to its consumer' },
});
