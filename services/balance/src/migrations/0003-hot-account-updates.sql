-- Accounts are updated by every transfer (their totals, version and updated_at) and by nothing else that
-- an index covers: no index names a column a transfer changes (ADR 0036). With free room on each page, such
-- an update is HOT: the new row version goes on the same page and no index gets a new entry. 70 % leaves
-- room for about a dozen new versions per page between two prunings. It applies to pages written from now
-- on; an existing table gets it page by page as rows move, or at once with VACUUM FULL off-peak.
alter table accounts set (fillfactor = 70);
