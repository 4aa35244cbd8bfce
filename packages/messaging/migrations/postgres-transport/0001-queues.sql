-- The PostgreSQL transport's shared home (ADR 0009), in its own schema (`messaging`), which no service owns:
-- it plays the part of the broker. A consumer subscribes with topic patterns; publishing routes each event
-- to every matching subscription as one delivery row, the way a topic exchange routes to queues.
-- regexes are the patterns as anchored regular expressions (topicRegex), so routing is a `~` in SQL.
create table subscriptions (
  consumer text primary key,
  patterns text[] not null,
  regexes text[] not null,
  updated_at timestamptz not null default now()
);

-- One row per (consumer, event) waiting or in hand. A consumer claims rows with FOR UPDATE SKIP LOCKED by
-- moving available_at past a lease (a visibility timeout, as pgmq does); acking deletes the row; a retry
-- moves available_at to the retry time. A consumer that dies leaves its claim to expire, and the row is
-- delivered again. claims counts deliveries, which is the attempt number.
create table deliveries (
  id bigint generated always as identity primary key,
  consumer text not null,
  event_id text not null,
  envelope jsonb not null,
  enqueued_at timestamptz not null default now(),
  available_at timestamptz not null default now(),
  claims int not null default 0
) with (fillfactor = 80);
-- Claims scan one consumer's rows in id (publish) order; a lower fillfactor keeps claim updates HOT.
create index deliveries_consumer_idx on deliveries (consumer, id);
