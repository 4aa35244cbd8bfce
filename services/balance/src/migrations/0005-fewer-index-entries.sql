-- Fewer index entries and checks per transfer (ADR 0038).
-- balance?at= finds the account's last entry at or before an instant by a binary search over the primary
-- key (account_id, version): entry times never decrease along an account's versions (ADR 0010), so the
-- time index only repeated the primary key's order, at one index entry per entry.
drop index entries_account_time_idx;
-- The foreign keys were checked row by row, and the check of an entry's transfer locked the transfer row
-- the same statement had just inserted. The ledger's one writer (the group commit) writes entries and
-- transfers only for accounts it has locked in that transaction and transfers it writes in the same
-- statement; accounts and transfers are never deleted; the audit checks every reference
-- (references_exist).
alter table entries drop constraint entries_account_id_fkey, drop constraint entries_transfer_id_fkey;
alter table transfers drop constraint transfers_debit_account_id_fkey,
  drop constraint transfers_credit_account_id_fkey;
