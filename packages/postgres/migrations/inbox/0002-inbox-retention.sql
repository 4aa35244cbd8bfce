-- Handled events are forgotten after a retention period (packages/messaging, inbox-retention.ts). Rows
-- arrive in time order, so a BRIN index finds the old ones at almost no cost per insert. Building it is one
-- sequential read of the table (it cannot be CONCURRENTLY inside the migration's transaction): on a
-- large inbox, expect inserts to wait for that long once, during the upgrade.
create index inbox_processed_brin on inbox using brin (processed_at);
