-- The trace id of the request that registered each endpoint (deliveries already keep their event's): an
-- operator can go from the row to the request's logs. Nullable: endpoints registered before this
-- migration have none. A nullable column without a default is a catalogue change only.
alter table endpoints add column trace_id text;
