-- One processing record per order: the unique order id is what makes a second orders.order.created for
-- the same order (a duplicate publish, a replay) a no-op.
create table processing (
  id text primary key,
  order_id text not null unique,
  amount bigint not null,
  currency text not null,
  description text,
  trace_id text,
  status text not null,
  attempts integer not null default 0,
  last_error text,
  -- pending: when it may be tried; processing: when its lease ends and another worker may take it over.
  next_attempt_at timestamptz not null,
  received_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null,
  constraint processing_status_known check (
    status in ('pending', 'processing', 'completed', 'failed', 'cancelled')
  )
);
create index processing_due_idx on processing (next_attempt_at) where status in ('pending', 'processing');
