-- Consumers record each event they handled in the same transaction as its effect; a redelivery finds
-- its row and has no second effect.
create table inbox (
  consumer text not null,
  event_id text not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, event_id)
);
