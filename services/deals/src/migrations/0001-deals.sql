-- The deal list read model (CQRS): one row per deal, rebuilt from the event store by `npm run deals:rebuild`
-- and kept current in the same transaction as every append, so a deal's list entry never lags its events.
-- `view` is the deal as the API shows it; the columns beside it are what lists filter and page on.
create table deal_views (
  deal_id text primary key,
  created_by text not null,
  payer_id text not null,
  status text not null,
  title text not null,
  amount bigint not null check (amount > 0),
  version integer not null check (version >= 1),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  view jsonb not null
);
-- Each party pages through their deals newest first; ids are time-ordered, so deal_id orders by creation.
create index deal_views_created_by_idx on deal_views (created_by, deal_id desc);
create index deal_views_payer_idx on deal_views (payer_id, deal_id desc);
