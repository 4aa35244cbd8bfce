-- What deals knows of its objects at the bank, so a task performed again finds what an earlier attempt made.

-- A payout profile is a beneficiary at the bank with its bank details; its scoring decides whether deals
-- naming it can be accepted. Filled by the profile's register_recipient task, never by the HTTP request.
alter table recipients
  add column beneficiary_id text,
  add column bank_details_id text,
  add column scoring_status text check (scoring_status in ('IN_PROGRESS', 'SUCCEEDED', 'FAILED'));

-- The bank's tasks are per subject now: a deal ('deal_…') or a payout profile ('rcp_…'). One subject's
-- tasks run in order; a deal task has its deal id, a profile's has none.
alter table bank_tasks add column subject_id text;
update bank_tasks set subject_id = deal_id;
alter table bank_tasks alter column subject_id set not null, alter column deal_id drop not null;
alter table bank_tasks drop constraint bank_tasks_kind_check;
alter table bank_tasks add constraint bank_tasks_kind_check check (
  kind in ('register_deal', 'accept_deal', 'pay_milestone', 'retry_payout', 'cancel_at_bank', 'refund',
           'register_recipient')
);
drop index bank_tasks_deal_pending_idx;
create index bank_tasks_subject_pending_idx on bank_tasks (subject_id, seq) where status = 'pending';
-- Profiles saved before deals reached the bank are registered like the ones saved from now on.
insert into bank_tasks (task_key, subject_id, deal_id, kind, payload, next_attempt_at, created_at)
select recipient_id || '@0007/register_recipient', recipient_id, null, 'register_recipient',
       jsonb_build_object('recipientId', recipient_id), now(), now()
from recipients;

-- Each payer is one beneficiary at the bank, whatever number of deals they pay (the deponent, and whom
-- their incoming money is identified to).
create table bank_payers (
  user_id text primary key,
  beneficiary_id text not null,
  created_at timestamptz not null
);

-- A milestone is a step of the bank's deal; paying_since is set once its step was completed there, and
-- the payout follower polls its payments from then on.
create table bank_steps (
  milestone_id text primary key,
  deal_id text not null,
  bank_deal_id text not null,
  step_id text not null,
  paying_since timestamptz,
  -- When the follower last asked the bank: it polls the least recently asked first, so steps with a
  -- payout failed for long never crowd out new ones.
  polled_at timestamptz
);
create index bank_steps_paying_idx on bank_steps (polled_at nulls first) where paying_since is not null;
-- A notification names the bank's step.
create unique index bank_steps_step_idx on bank_steps (step_id);

-- A payout is a recipient of its step at the bank; payment_id and status follow the bank's payment (the
-- latest retry's), status SUCCEEDED being final.
create table bank_payouts (
  payout_id text primary key,
  deal_id text not null,
  milestone_id text not null,
  bank_recipient_id text not null,
  payment_id text,
  status text
);
create index bank_payouts_milestone_idx on bank_payouts (milestone_id);

-- Incoming money that matched no deal (an unknown purpose, a wrong amount): left unidentified at the bank
-- and recorded once here for operators.
create table bank_incoming_unmatched (
  operation_id text primary key,
  amount bigint not null,
  purpose text not null,
  reason text not null,
  seen_at timestamptz not null
);

-- Incoming money matched to a deal, written before it is identified at the bank: a crash after the
-- identification (the money no longer listed as unidentified) still funds the deal on the next run.
create table bank_incoming_matched (
  operation_id text primary key,
  deal_id text not null,
  amount bigint not null,
  beneficiary_id text not null,
  matched_at timestamptz not null,
  funded_at timestamptz
);
create index bank_incoming_matched_open_idx on bank_incoming_matched (matched_at) where funded_at is null;

-- A notification whose processing failed waits for its next attempt, with a growing delay.
alter table bank_notification_outcomes add column next_attempt_at timestamptz;
