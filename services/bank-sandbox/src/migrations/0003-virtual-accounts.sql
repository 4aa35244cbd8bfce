-- Transfers between two beneficiaries' virtual accounts inside the nominal account (type DIRECT). The
-- money moves between rows of balances in the same transaction; this table is their record.
create table virtual_transfers (
  id uuid primary key,
  type text not null check (type in ('DIRECT')),
  from_beneficiary_id uuid not null references beneficiaries (id),
  to_beneficiary_id uuid not null references beneficiaries (id),
  amount bigint not null check (amount > 0),
  purpose text not null,
  created_at timestamptz not null,
  check (from_beneficiary_id <> to_beneficiary_id)
);
create index virtual_transfers_from on virtual_transfers (from_beneficiary_id, created_at);
create index virtual_transfers_to on virtual_transfers (to_beneficiary_id, created_at);
