-- The self-employed API. Its ids are integers, as the bank's are; amounts are kopecks (bigint).
create table se_recipients (
  id integer generated always as identity primary key,
  inn text not null unique,
  first_name text not null,
  last_name text not null,
  middle_name text,
  profile jsonb not null default '{}',
  npd_status text not null check (npd_status in ('REGISTRATION_WAIT', 'NOT_CONFIRM', 'NOT_ACTIVE', 'ACTIVE')),
  -- When a waiting registration is decided by the tick worker; null once decided.
  npd_due_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index se_recipients_npd_due on se_recipients (npd_due_at) where npd_status = 'REGISTRATION_WAIT';

-- An asynchronous call, found by the caller's correlationId: its answer while it runs, then its result.
create table se_operations (
  correlation_id uuid primary key,
  kind text not null,
  registry_id integer,
  pending jsonb not null,
  result jsonb not null,
  ready_at timestamptz not null,
  created_at timestamptz not null
);
create index se_operations_created on se_operations (created_at);

create table se_registries (
  id integer generated always as identity primary key,
  status text not null
    check (status in ('DRAFT', 'SUBMITTED', 'PROCESSING', 'EXECUTED', 'PART_EXEC', 'REJECTED')),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- One payment of a registry and, once it is paid, its receipt.
create table se_registry_payments (
  registry_id integer not null references se_registries (id),
  number integer not null,
  recipient_id integer not null references se_recipients (id),
  amount bigint not null check (amount > 0),
  purpose text not null,
  status text not null check (status in ('WAITING', 'EXECUTED', 'REJECTED')),
  errors jsonb not null default '[]',
  receipt_status text
    check (receipt_status in ('IN_PROGRESS', 'SUCCESS', 'CANCELED', 'FISCALIZE_FAILED', 'ERROR')),
  receipt_due_at timestamptz,
  receipt_number text,
  receipt_link text,
  receipt_error jsonb,
  primary key (registry_id, number)
);
create index se_receipts_due on se_registry_payments (receipt_due_at) where receipt_status = 'IN_PROGRESS';
