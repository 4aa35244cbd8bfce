-- Services whose archive is a log (ADR 0040): their relay publishes without copying events into deliveries,
-- and each consumer reads `<source>.outbox_published` in log_position order from a checkpoint of its own.
-- A relay in archive mode registers its schema here before it publishes that way.
create table log_sources (
  source text primary key,
  registered_at timestamptz not null default now()
);

-- One row per (consumer, source): the last log position the consumer has passed (everything at or below
-- it is handled), and the lease of the one instance that reads (holder, leased_until; renewed each round,
-- taken over once it expires). read_to is the highest position ever handed to a handler: a row at or
-- below it that is read again (after a takeover or a thrown handler) is a redelivery, and rereads counts
-- those passes since the checkpoint last moved, which is what makes a poison event reach the consumer's
-- delivery limit. Created with the subscription, or for every subscription when a source registers, at the
-- source's log end then, so a subscription reads exactly the events routed after it was visible.
create table log_checkpoints (
  consumer text not null references subscriptions (consumer),
  source text not null references log_sources (source),
  position bigint not null,
  read_to bigint not null,
  rereads int not null default 0,
  holder text,
  leased_until timestamptz not null default '-infinity',
  updated_at timestamptz not null default now(),
  primary key (consumer, source)
);
