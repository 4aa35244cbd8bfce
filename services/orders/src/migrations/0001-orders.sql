-- Orders and the state of their saga (ADR 0015). One row is the whole process manager: status, the hold,
-- the decided resolution, the timer and the history, so any instance can resume any order.
create table orders (
  id text primary key,
  customer_id text not null,
  account_id text not null,
  merchant_account_id text not null,
  amount bigint not null,
  currency text not null,
  description text,
  items jsonb not null,
  status text not null,
  hold_transfer_id text,
  failure_reason text,
  -- {"kind":"capture"} or {"kind":"release","outcome":"failed"|"cancelled","reason":…}; never changes once set.
  resolution jsonb,
  trace_id text not null,
  processing_deadline timestamptz,
  step_attempts integer not null default 0,
  last_error text,
  -- When the saga timer looks at the order next; null once terminal.
  next_step_at timestamptz,
  history jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint orders_amount_positive check (amount between 1 and 9007199254740991),
  constraint orders_status_known check (
    status in ('pending', 'reserved', 'processing', 'completed', 'failed', 'cancelled', 'rejected')
  ),
  constraint orders_terminal_has_no_timer check (
    (status in ('completed', 'failed', 'cancelled', 'rejected')) = (next_step_at is null)
  )
);
create index orders_customer_idx on orders (customer_id, id);
create index orders_due_idx on orders (next_step_at) where next_step_at is not null;
