-- The event store of event-sourced aggregates: one stream per aggregate (a deal, say), each event numbered
-- by its version within the stream. The events are the source of truth; read models are derived from them.
-- streams holds each stream's current version: appending updates that one row with the version the writer
-- read, so of two concurrent writers exactly one matches and the other learns of the conflict at once
-- (optimistic concurrency without a serializable transaction). unique (stream_id, version) is the backstop.
create table event_streams (
  stream_id text primary key,
  version integer not null check (version >= 0),
  updated_at timestamptz not null default now()
);

create table events (
  position bigint generated always as identity primary key,
  stream_id text not null references event_streams (stream_id),
  version integer not null check (version >= 1),
  event_id text not null,
  type text not null,
  data jsonb not null,
  metadata jsonb not null default '{}'::jsonb,
  recorded_at timestamptz not null default now(),
  constraint events_stream_version_unique unique (stream_id, version),
  constraint events_event_id_unique unique (event_id)
);

-- Events are facts: once written they are never changed or removed, whatever the caller's privileges on the
-- table. A correction is a new event.
create function events_are_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'events are insert-only: % refused', tg_op using errcode = '42501';
end
$$;
create trigger events_immutable before update or delete on events
  for each row execute function events_are_immutable();
create trigger events_no_truncate before truncate on events
  for each statement execute function events_are_immutable();
