-- What the deals service must still ask the bank to do, written in the same transaction as the event that
-- caused it (the outbox pattern, towards the bank instead of the broker). A worker claims due tasks,
-- performs them with Idempotency-Keys derived from task_key, and marks them done; a crash in between
-- performs the task again with the same keys, which the bank answers as before.
create table bank_tasks (
  seq bigint generated always as identity primary key,
  -- '<event id>/<kind>': the event and which of its tasks; a retried transaction writes it once.
  task_key text not null unique,
  deal_id text not null,
  kind text not null check (
    kind in ('register_deal', 'accept_deal', 'pay_milestone', 'retry_payout', 'cancel_at_bank', 'refund')
  ),
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'done')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null,
  last_error text,
  trace_id text,
  created_at timestamptz not null,
  done_at timestamptz,
  constraint bank_tasks_done_has_time check ((status = 'done') = (done_at is not null))
);
-- The worker's claim: due pending tasks, oldest first.
create index bank_tasks_due_idx on bank_tasks (next_attempt_at, seq) where status = 'pending';
-- One deal's tasks run in the order of its events: a task waits while an earlier one of its deal is pending.
create index bank_tasks_deal_pending_idx on bank_tasks (deal_id, seq) where status = 'pending';
