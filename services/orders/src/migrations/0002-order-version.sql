-- Every write of an order adds one to its version (ADR 0043). The saga's drive writes a step it decided on
-- the state it last committed in one statement guarded by `version = <the version it knows>`, with no row
-- lock taken first; a write guarded so can never pass over a change it did not see. The trigger, not the
-- statements, bumps it, so that holds for every writer: an instance older than this column during a
-- rolling deploy, and a fix made by hand.
alter table orders add column version integer not null default 0;

create function orders_bump_version() returns trigger language plpgsql as $$
begin
  new.version := old.version + 1;
  return new;
end
$$;
create trigger orders_bump_version before update on orders for each row execute function orders_bump_version();
