-- The deal's money as balance mirrors it (ADR 0031). Each row is one transfer in balance, written in the
-- same transaction as the event that caused it (the outbox pattern, towards the ledger). A worker claims
-- due tasks with a lease, performs them with an Idempotency-Key derived from task_key, and marks them done;
-- a crash in between performs the task again with the same key, which balance answers as before.
create table ledger_tasks (
  seq bigint generated always as identity primary key,
  -- '<event id>/<kind>[/<payout id>]': the event and which of its transfers; a retried transaction writes it once.
  task_key text not null unique,
  deal_id text not null,
  kind text not null check (kind in ('fund_escrow', 'release_payout', 'settle_payout', 'refund_escrow')),
  -- The transfer: its accounts (subjects, see ledger_accounts) and its amount in minor units.
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'done')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null,
  last_error text,
  trace_id text,
  created_at timestamptz not null,
  done_at timestamptz,
  -- The transfer balance recorded for it, once done.
  transfer_id text,
  constraint ledger_tasks_done_has_time check ((status = 'done') = (done_at is not null))
);
create index ledger_tasks_due_idx on ledger_tasks (next_attempt_at, seq) where status = 'pending';
-- One deal's transfers run in the order of its events: its escrow is credited before anything leaves it.
create index ledger_tasks_deal_pending_idx on ledger_tasks (deal_id, seq) where status = 'pending';

-- The balance account behind each subject ('nominal', 'settlement', 'escrow:<deal id>',
-- 'payout:<recipient id>'), kept once opened: balance replays an Idempotency-Key for a day only, and a
-- deal's escrow must still be the same account weeks later.
create table ledger_accounts (
  subject text primary key,
  account_id text not null unique,
  opened_at timestamptz not null
);
