-- Idempotency-Key store (brief §4; ADR 0012). Scope = the caller; a key is kept at least 24 hours.
-- Two ways to use it:
--   * in the work's own transaction: the row is inserted as 'done' with the response, together with the
--     effects (balance's group commit does this), so no other transaction ever sees it 'running';
--   * with a lease, for work that cannot fit in one transaction (calls to a bank): the row is claimed as
--     'running' in a short transaction of its own, and becomes 'done' in the work's transaction. A lease
--     that ran out (the owner died) may be taken over by the same request.
-- The response body is stored as json (not jsonb) so that a replay is byte for byte the first answer.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash bytea not null,
  state text not null,
  lease_token text,
  lease_expires_at timestamptz,
  response_status int,
  response_body json,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (scope, key),
  constraint idempotency_keys_state_known check (state in ('running', 'done')),
  constraint idempotency_keys_done_has_response check ((state = 'done') = (response_status is not null)),
  constraint idempotency_keys_key_length check (length(key) between 1 and 255)
);
create index idempotency_keys_expires_idx on idempotency_keys (expires_at);
