-- Every request that reaches POST /v1/bank/notifications, stored before anything else is done with it: the
-- raw body exactly as it arrived, the headers that matter and the signature verdict. Forged and stale ones
-- are kept too (an operator sees the attempts); only an authentic notification counts for deduplication, so
-- a forged request carrying a real id cannot shadow the genuine one.
create table bank_notifications (
  position bigint generated always as identity primary key,
  notification_id text not null,
  received_at timestamptz not null,
  verdict text not null,
  headers jsonb not null,
  raw_body bytea not null,
  trace_id text
);
create unique index bank_notifications_authentic_once on bank_notifications (notification_id)
  where verdict = 'authentic';

-- The log is evidence: no role, the service's own included, may change or remove what it recorded.
create function bank_notifications_insert_only() returns trigger language plpgsql as $$
begin
  raise exception 'bank_notifications is insert-only: % refused', tg_op using errcode = '42501';
end
$$;
create trigger bank_notifications_insert_only before update or delete on bank_notifications
  for each row execute function bank_notifications_insert_only();
create trigger bank_notifications_no_truncate before truncate on bank_notifications
  for each statement execute function bank_notifications_insert_only();

-- What became of each authentic notification; kept apart so the log itself never changes. A notification
-- whose handling failed is retried from the log until processed_at is set.
create table bank_notification_outcomes (
  notification_id text primary key,
  attempts integer not null default 0,
  processed_at timestamptz,
  last_error text
);
create index bank_notification_outcomes_pending_idx on bank_notification_outcomes (notification_id)
  where processed_at is null;
