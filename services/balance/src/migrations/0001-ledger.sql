-- The double-entry ledger (ADR 0010). Money is BIGINT minor units everywhere.

create table accounts (
  id text primary key,
  owner_id text not null,
  currency text not null,
  name text not null default '',
  allow_negative boolean not null default false,
  metadata jsonb not null default '{}',
  posted_debits bigint not null default 0,
  posted_credits bigint not null default 0,
  -- What pending transfers hold on this account (its "held").
  pending_debits bigint not null default 0,
  version bigint not null default 0,
  created_at timestamptz not null,
  -- The time of the last change; entries of later changes never carry an earlier time (balance?at=).
  updated_at timestamptz not null,
  constraint accounts_currency_iso check (currency ~ '^[A-Z]{3}$'),
  constraint accounts_totals_non_negative check (posted_debits >= 0 and posted_credits >= 0 and pending_debits >= 0),
  -- Never negative (ADR 0013): the last line of defence after the domain rule and the row locks.
  constraint accounts_never_negative check (allow_negative or posted_credits - posted_debits - pending_debits >= 0)
);
create index accounts_owner_idx on accounts (owner_id, id);

create table transfers (
  id text primary key,
  debit_account_id text not null references accounts (id),
  credit_account_id text not null references accounts (id),
  amount bigint not null,
  currency text not null,
  status text not null,
  posted_amount bigint not null,
  description text,
  metadata jsonb not null default '{}',
  trace_id text,
  created_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz,
  resolved_at timestamptz,
  constraint transfers_amount_positive check (amount > 0),
  constraint transfers_accounts_differ check (debit_account_id <> credit_account_id),
  constraint transfers_status_known check (status in ('posted', 'pending', 'voided', 'expired')),
  constraint transfers_posted_amount check (
    posted_amount >= 0 and posted_amount <= amount
    and (status = 'posted' or posted_amount = 0)
    and (status <> 'posted' or posted_amount > 0))
);
create index transfers_debit_idx on transfers (debit_account_id, id);
create index transfers_credit_idx on transfers (credit_account_id, id);
-- The expiry sweeper reads only pending transfers, oldest deadline first.
create index transfers_pending_expiry_idx on transfers (expires_at) where status = 'pending';

-- One row per account per posted movement; version is the account's version right after it.
create table entries (
  account_id text not null references accounts (id),
  version bigint not null,
  transfer_id text not null references transfers (id),
  direction text not null,
  amount bigint not null,
  balance_after bigint not null,
  created_at timestamptz not null,
  primary key (account_id, version),
  constraint entries_direction_known check (direction in ('debit', 'credit')),
  constraint entries_amount_positive check (amount > 0)
);
create index entries_account_time_idx on entries (account_id, created_at, version);
