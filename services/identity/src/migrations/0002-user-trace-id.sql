-- The trace id of the registration request that created a user: an operator can go from the row to the
-- request's logs. Nullable: users created before this migration, or by admin:create (a command, not a
-- request), have none. A nullable column without a default is a catalogue change only.
alter table users add column trace_id text;
