-- Payout profiles: one per user, who they are (legal type, INN) and where their money goes (account and
-- BIK). Milestone shares name a recipient by id; the profile says which user stands behind it, so the payer
-- can never be paid from their own deal. Bank details may change (a payout retried after new details).
create table recipients (
  recipient_id text primary key,
  user_id text not null unique,
  legal_type text not null check (legal_type in ('company', 'entrepreneur', 'self_employed', 'person')),
  name text not null,
  inn text not null check (inn ~ '^\d{10}(\d{2})?$'),
  account_number text not null check (account_number ~ '^\d{20}$'),
  bik text not null check (bik ~ '^\d{9}$'),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
