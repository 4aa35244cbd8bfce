-- The archive as a log (ADR 0040). Only the relay leader writes this table, one autocommit statement after
-- another on the connection that holds the leader lock, so positions drawn from a sequence as rows arrive
-- increase in commit order with no concurrent writer: a reader that remembers the last position it passed
-- (`log_position > checkpoint order by log_position`) can never skip a row. archivePublished inserts in
-- outbox position order, so within one statement nextval follows it too.
create sequence outbox_published_log_position_seq as bigint;
alter table outbox_published add column log_position bigint;
-- Rows archived before this migration are numbered in the order they were archived; they were delivered
-- as deliveries, and checkpoints start after them.
update outbox_published p set log_position = n.log_position
  from (select ctid, nextval('outbox_published_log_position_seq') as log_position
          from (select ctid from outbox_published order by published_at, position) o) n
 where p.ctid = n.ctid;
alter table outbox_published alter column log_position set default nextval('outbox_published_log_position_seq');
alter table outbox_published alter column log_position set not null;
alter sequence outbox_published_log_position_seq owned by outbox_published.log_position;
-- The one B-tree entry per event that replaces the deliveries' three writes; the BRIN index stays for the
-- purge and the runbooks' time window.
create index outbox_published_log_idx on outbox_published (log_position);
