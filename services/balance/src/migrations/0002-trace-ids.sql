-- The trace id of the request that made each record, as transfers already keep (trace_id, 0001): an
-- operator can go from an account or a ledger entry to the request's logs. Nullable: rows written before
-- this migration have none. A nullable column without a default is a catalogue change only; the tables
-- are not rewritten.
alter table accounts add column trace_id text;
alter table entries add column trace_id text;
