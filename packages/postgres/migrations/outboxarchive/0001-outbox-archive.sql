-- Opt-in, after the outbox module (ADR 0039): the relay deletes each published row from the outbox and keeps
-- a copy here, instead of updating it. The outbox then holds only unpublished rows, so its partial index
-- repeats the primary key's order and is dropped; the copy is a heap row with no B-tree index, and a BRIN
-- index on published_at (rows arrive in time order) finds the old ones for the purge and a time window for
-- an operator who publishes an event again (the runbooks' query). The relay uses this table when it exists.
create table outbox_published (
  position bigint not null,
  event_id text not null,
  type text not null,
  subject text not null,
  envelope jsonb not null,
  created_at timestamptz not null,
  published_at timestamptz not null
);
create index outbox_published_brin on outbox_published using brin (published_at);
-- Rows published before this migration move to the archive, so the outbox holds only unpublished ones.
insert into outbox_published (position, event_id, type, subject, envelope, created_at, published_at)
  select position, event_id, type, subject, envelope, created_at, published_at from outbox
  where published_at is not null;
delete from outbox where published_at is not null;
drop index outbox_unpublished_idx;
