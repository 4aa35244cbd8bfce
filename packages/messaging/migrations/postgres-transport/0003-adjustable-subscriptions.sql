-- An adjustable subscription (ADR 0046) changes its patterns at run time (webhooks: the types its endpoints
-- select). Every event type counts as routed to it, so an event no subscription's patterns take is dropped
-- instead of waiting for a subscriber, as it was when that consumer took `#` and dropped it itself. A
-- constant default is a catalogue change only.
alter table subscriptions add column routes_all boolean not null default false;
