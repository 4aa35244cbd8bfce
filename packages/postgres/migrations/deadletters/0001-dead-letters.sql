-- Events a consumer gave up on (ADR 0009): the handler kept failing, the event was delivered too often
-- without an outcome, or the message was not a CloudEvent. One row per consumer and event, whichever
-- transport carried it, so a poison message is recorded exactly once however often it is redelivered.
-- An operator replays a row (it goes back to that one consumer) or discards it; rows are kept as the record.
create table dead_letters (
  id text primary key,
  consumer text not null,
  event_id text not null,
  event_type text not null,
  envelope jsonb not null,
  reason text not null,
  error text not null,
  attempts int not null,
  trace_id text,
  state text not null default 'dead',
  dead_lettered_at timestamptz not null,
  resolved_at timestamptz,
  resolved_by text,
  replays int not null default 0,
  constraint dead_letters_consumer_event_unique unique (consumer, event_id),
  constraint dead_letters_state_known check (state in ('dead', 'replayed', 'discarded')),
  constraint dead_letters_reason_known check (reason in ('handler_failed', 'delivery_limit', 'malformed'))
);
-- Lists page by id (time-ordered) within a state.
create index dead_letters_state_idx on dead_letters (state, id);
