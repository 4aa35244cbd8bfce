-- Handled events are forgotten after a retention period (packages/messaging, inbox-retention.ts). Rows
-- arrive in time order, so a BRIN index finds the old ones at almost no cost per insert.
create index inbox_processed_brin on inbox using brin (processed_at);
