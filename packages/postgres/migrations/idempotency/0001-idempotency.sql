-- Idempotency-Key store (brief §4): scope = the caller, kept at least 24 hours. A row is inserted as
-- 'running' before the work and becomes 'done' with the response in the work's own transaction.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash bytea not null,
  state text not null,
  response_status int,
  response_body jsonb,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (scope, key),
  constraint idempotency_keys_state_known check (state in ('running', 'done'))
);
create index idempotency_keys_expires_idx on idempotency_keys (expires_at);
