-- The transactional outbox: events are inserted in the same transaction as the change they describe.
-- transaction_id lets the relay read only rows below the oldest running transaction (no late-commit skips).
create table outbox (
  position bigint generated always as identity primary key,
  transaction_id xid8 not null default pg_current_xact_id(),
  event_id text not null,
  type text not null,
  subject text not null,
  envelope jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  constraint outbox_event_id_unique unique (event_id)
);
create index outbox_unpublished_idx on outbox (transaction_id, position) where published_at is null;
