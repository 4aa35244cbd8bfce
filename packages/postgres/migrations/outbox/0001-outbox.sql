-- The transactional outbox: events are inserted in the same transaction as the change they describe, so
-- they become visible exactly when it commits and vanish with it on rollback. The relay publishes rows in
-- the order they become visible, tie-broken by position, and marks each one once the transport confirms it
-- (ADR 0008). position comes from a sequence with cache 1 (the default), so an event appended after another
-- transaction committed always gets a higher position than that transaction's events.
create table outbox (
  position bigint generated always as identity primary key,
  event_id text not null,
  type text not null,
  subject text not null,
  envelope jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  constraint outbox_event_id_unique unique (event_id)
);
-- The relay's work list: small, because rows leave it once published.
create index outbox_unpublished_idx on outbox (position) where published_at is null;

-- Wakes the relay of this schema when a transaction that appended events commits (NOTIFY is delivered at
-- commit and never for a rollback). One notification per statement: appendOutbox inserts all of a
-- transaction's events in one statement. The channel name is built the same way in outbox.ts.
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('strongbox.outbox.' || tg_table_schema, '');
  return null;
end
$$;
create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify();
