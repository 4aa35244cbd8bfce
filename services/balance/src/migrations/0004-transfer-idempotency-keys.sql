-- A created transfer keeps the Idempotency-Key of the request that created it (ADR 0037): its answer is the
-- transfer as created, which is rendered again from this row on a replay, so no idempotency_keys row is
-- written for it. Nullable: transfers of batch requests, of other commands and from before this migration
-- have none (their keys, if any, stay in idempotency_keys). Partial, so unkeyed transfers add no entry; the
-- unique index is the backstop against two transfers under one key.
alter table transfers add column idempotency_scope text, add column idempotency_key text,
  add column request_hash bytea;
create unique index transfers_idempotency_idx on transfers (idempotency_scope, idempotency_key)
  where idempotency_key is not null;
