-- The operators' queue (ADR 0035): what waits for a person, as a read model of the deals' events, kept in
-- the same transaction as the events that open and close its items and rebuilt from them by
-- `npm run deals:rebuild`. `kind` is an open list (no check): a new kind is a few lines in
-- domain/operator-queue.ts, not a migration.
create table operator_queue (
  -- '<deal id>/<kind>/<ref>': the ref names what waits (a dispute, a payout, the deal's refund).
  item_id text primary key,
  deal_id text not null,
  kind text not null,
  reason text not null,
  since timestamptz not null,
  -- Set by the event that closes the item; closed items stay for the record.
  closed_at timestamptz
);
-- The queue as operators read it: open items, oldest first.
create index operator_queue_open_idx on operator_queue (since, item_id) where closed_at is null;
create index operator_queue_deal_idx on operator_queue (deal_id);

-- A bank task the bank cannot do (a refund after a payout attempt) is handed over to an operator: not
-- retried, and its subject's later tasks wait behind it until the operator marks it done.
alter table bank_tasks drop constraint bank_tasks_status_check;
alter table bank_tasks add constraint bank_tasks_status_check
  check (status in ('pending', 'done', 'needs_operator'));
create index bank_tasks_subject_handed_over_idx on bank_tasks (subject_id, seq)
  where status = 'needs_operator';
