-- The patterns webhooks' event subscription may have in place on the transport (ADR 0046): what its
-- endpoints select, plus what a change under way may have added. RabbitMQ cannot list a queue's bindings,
-- so this row is how an instance knows which ones to remove. It starts at `#`, the pattern of the versions
-- before, so that the first start of this one removes it.
create table subscription_patterns (
  consumer text primary key,
  patterns text[] not null,
  updated_at timestamptz not null default now()
);
insert into subscription_patterns (consumer, patterns) values ('webhooks', '{#}');
