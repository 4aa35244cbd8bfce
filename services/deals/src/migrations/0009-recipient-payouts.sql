-- Read model (CQRS): every payout of every deal past its draft, by recipient, with its hold and its
-- receipt. Written from the deal's folded state in the command's transaction (like deal_views), rebuilt
-- from the events by `npm run deals:rebuild`. GET /v1/recipients/me/payouts pages it by payout id; the
-- self-employed payout worker sums a recipient's payouts paid this year from it; operators find held
-- payouts and annulled receipts by the partial indexes below.
create table recipient_payouts (
  payout_id text primary key,
  recipient_id text not null,
  deal_id text not null,
  deal_title text not null,
  deal_status text not null,
  milestone_id text not null,
  milestone_title text not null,
  amount bigint not null check (amount >= 0),
  status text not null check (status in ('pending', 'held', 'paid', 'failed')),
  failure text,
  hold_reason text,
  hold_detail text,
  receipt_status text,
  receipt_number text,
  receipt_link text,
  paid_at timestamptz,
  deal_version integer not null,
  updated_at timestamptz not null
);
create index recipient_payouts_recipient_idx on recipient_payouts (recipient_id, payout_id);
create index recipient_payouts_paid_idx on recipient_payouts (recipient_id, paid_at) where status = 'paid';
create index recipient_payouts_held_idx on recipient_payouts (updated_at) where status = 'held';
create index recipient_payouts_receipt_cancelled_idx on recipient_payouts (updated_at)
  where receipt_status = 'CANCELED';

-- A self-employed recipient's share stays on their virtual account at the bank when its step is paid
-- (keepOnVirtualAccount); the self-employed payout worker pays it out from there once the NPD status and
-- the yearly limit allow it. The payout follower leaves these payouts to that worker.
alter table bank_payouts add column kept_on_virtual_account boolean not null default false;

-- The person as a recipient of the bank's self-employed API (a number there), for their receipts.
alter table recipients add column self_employed_id integer;

-- The self-employed payout worker's own progress per payout (not a read model: the bank's ids live here).
--   landing   the step is not paid yet, or its money is not on the recipient's virtual account yet
--   checking  on the virtual account: the NPD status and the yearly limit are checked before paying
--   paying    the payout is released from any hold: its payment out of the virtual account is at the bank
--   receipt   paid: the receipt is registered and read through the self-employed API (call by call)
--   watching  the receipt was issued: read again now and then, an annulment is flagged
--   closed    nothing more to do (the receipt is final, or the watch is over)
create table npd_payouts (
  payout_id text primary key,
  deal_id text not null,
  milestone_id text not null,
  recipient_id text not null,
  -- The amount is the deal's (a refund may change an unreleased share), read when it is paid.
  stage text not null default 'landing'
    check (stage in ('landing', 'checking', 'paying', 'receipt', 'watching', 'closed')),
  -- The self-employed API call in flight (its operation) and the correlationId its result is read by.
  se_call text,
  se_correlation_id uuid,
  registry_id integer,
  receipt_status text,
  -- Receipts asked for so far: each ask is a new call with a correlationId derived from this count.
  receipt_asks integer not null default 0,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index npd_payouts_due_idx on npd_payouts (next_attempt_at) where stage <> 'closed';
