-- Reconciliation (ADR 0033): what a run found different between the bank and deals, and when each deal was
-- last compared, so a run of many waiting deals goes on where the last one stopped.

-- One row per distinct difference while it lasts. `difference_key` names it (kind, subject and both sides),
-- so a later run finding the same difference again only moves last_seen_at; one that finds it gone sets
-- resolved_at. The same difference coming back after it was resolved is a new finding.
create table reconciliation_findings (
  seq bigint generated always as identity primary key,
  difference_key text not null,
  kind text not null check (kind in ('deal_state', 'escrow_balance', 'virtual_account_balance')),
  -- What was compared: a deal's id, or 'payer:<user id>' for a payer's virtual account.
  subject text not null,
  deal_id text,
  -- Each side as deals and the bank see it: a status for deal_state, minor units for the balances.
  ours_status text,
  bank_status text,
  ours_amount bigint,
  bank_amount bigint,
  detail text not null,
  detected_at timestamptz not null,
  last_seen_at timestamptz not null,
  resolved_at timestamptz,
  check ((ours_status is null) = (ours_amount is not null) and (bank_status is null) = (bank_amount is not null))
);
create unique index reconciliation_findings_open_idx on reconciliation_findings (difference_key)
  where resolved_at is null;
create index reconciliation_findings_subject_idx on reconciliation_findings (subject) where resolved_at is null;
create index reconciliation_findings_status_idx on reconciliation_findings ((resolved_at is null), seq desc);

-- When each subject was last compared with the bank: the least recently compared go first.
create table reconciliation_checks (
  subject text primary key,
  checked_at timestamptz not null
);
