-- The simulated bank's state. Amounts are kopecks (bigint); the API speaks decimal rubles.
create table beneficiaries (
  id uuid primary key,
  type text not null,
  inn text,
  is_self_employed boolean not null default false,
  profile jsonb not null,
  scoring_status text not null check (scoring_status in ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
  scoring_due_at timestamptz,
  scoring_errors jsonb not null default '[]',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index beneficiaries_scoring_due on beneficiaries (scoring_due_at) where scoring_status = 'IN_PROGRESS';

create table bank_details (
  id uuid primary key,
  beneficiary_id uuid not null references beneficiaries (id),
  type text not null check (type in ('PAYMENT_DETAILS', 'CARD')),
  details jsonb not null,
  is_default boolean not null default false,
  deleted_at timestamptz,
  created_at timestamptz not null
);
create index bank_details_of on bank_details (beneficiary_id, created_at) where deleted_at is null;
create unique index bank_details_one_default on bank_details (beneficiary_id)
  where is_default and deleted_at is null;

-- One virtual account per beneficiary inside the nominal account; neither figure may go negative.
create table balances (
  beneficiary_id uuid primary key references beneficiaries (id),
  amount bigint not null default 0 check (amount >= 0),
  amount_on_hold bigint not null default 0 check (amount_on_hold >= 0)
);

create table incoming_transactions (
  id uuid primary key,
  amount bigint not null check (amount > 0),
  payer jsonb not null,
  purpose text not null,
  identified_at timestamptz,
  distribution jsonb,
  created_at timestamptz not null
);
create index incoming_unidentified on incoming_transactions (created_at) where identified_at is null;

create table deals (
  id uuid primary key,
  account_number text not null,
  status text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table steps (
  id uuid primary key,
  deal_id uuid not null references deals (id) on delete cascade,
  position int not null,
  description text not null,
  status text not null,
  unique (deal_id, position)
);

create table deponents (
  step_id uuid not null references steps (id) on delete cascade,
  beneficiary_id uuid not null references beneficiaries (id),
  amount bigint not null check (amount > 0),
  primary key (step_id, beneficiary_id)
);

create table recipients (
  id uuid primary key,
  step_id uuid not null references steps (id) on delete cascade,
  beneficiary_id uuid not null references beneficiaries (id),
  amount bigint not null check (amount > 0),
  purpose text not null,
  bank_details_id uuid references bank_details (id),
  keep_on_virtual_account boolean not null default false
);
create index recipients_of_step on recipients (step_id);

-- Payouts, from a deal's step or on their own (REGULAR). due_at is when the next state change happens.
create table payments (
  id uuid primary key,
  kind text not null,
  deal_id uuid references deals (id) on delete cascade,
  step_id uuid references steps (id) on delete cascade,
  recipient_id uuid references recipients (id) on delete cascade,
  beneficiary_id uuid not null references beneficiaries (id),
  bank_details_id uuid references bank_details (id),
  keep_on_virtual_account boolean not null default false,
  amount bigint not null check (amount > 0),
  purpose text not null,
  status text not null,
  failure text,
  retry_of uuid references payments (id),
  due_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index payments_due on payments (due_at) where status in ('PENDING', 'IN_PROGRESS');
create index payments_of_step on payments (step_id);

-- The notification outbox: written in the transaction of the change it reports, delivered at least once.
create table notifications (
  id uuid primary key,
  type text not null,
  body text not null,
  attempts int not null default 0,
  due_at timestamptz not null,
  delivered_at timestamptz,
  given_up_at timestamptz,
  last_error text,
  created_at timestamptz not null
);
create index notifications_due on notifications (due_at) where delivered_at is null and given_up_at is null;
