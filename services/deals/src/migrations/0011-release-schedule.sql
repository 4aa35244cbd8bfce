-- When each deal's next timed milestone (on_date, hold_hours) falls due, kept with its list row in the
-- same transaction as its events, so the release job reads only the deals that are due.
alter table deal_views add column next_release_at timestamptz;
create index deal_views_next_release_idx on deal_views (next_release_at) where next_release_at is not null;
