-- Outgoing webhooks: endpoints, one delivery per (endpoint, event), and every attempt made.

create table endpoints (
  id text primary key,
  owner_id text not null,
  -- 'parties': only events whose parties name the owner; 'all': every event (operators and admins).
  scope text not null,
  url text not null,
  event_types text[] not null,
  description text,
  status text not null,
  disabled_reason text,
  -- Signing secrets (whsec_…). HMAC needs the secret itself, so it cannot be stored as a hash.
  secret text not null,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  -- The first failed attempt since the last success; null while the endpoint is healthy.
  failing_since timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint endpoints_scope_known check (scope in ('parties', 'all')),
  constraint endpoints_status_known check (status in ('enabled', 'disabled')),
  constraint endpoints_disabled_has_reason check (
    (status = 'disabled') = (disabled_reason is not null)
    and (disabled_reason is null or disabled_reason in ('manual', 'failing'))
  ),
  constraint endpoints_event_types_present check (cardinality(event_types) between 1 and 50)
);
create index endpoints_owner_idx on endpoints (owner_id, id);
-- Matching an event is `event_types && <the few patterns selecting its type>` over enabled endpoints.
create index endpoints_event_types_idx on endpoints using gin (event_types) where status = 'enabled';

create table deliveries (
  id text primary key,
  endpoint_id text not null references endpoints (id) on delete cascade,
  event_id text not null,
  event_type text not null,
  -- The exact bytes sent (the CloudEvent as JSON), so every retry signs and sends the same body.
  payload text not null,
  trace_id text,
  status text not null,
  -- Attempts ever made (they number the attempts rows) and attempts in the current schedule (a manual
  -- resend starts a new schedule).
  attempt_count int not null default 0,
  schedule_attempts int not null default 0,
  -- When the next attempt is due; while an attempt runs, the end of its lease.
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint deliveries_once_per_event unique (endpoint_id, event_id),
  constraint deliveries_status_known check (status in ('pending', 'succeeded', 'failed')),
  constraint deliveries_pending_is_scheduled check ((status = 'pending') = (next_attempt_at is not null))
);
create index deliveries_due_idx on deliveries (next_attempt_at) where status = 'pending';
create index deliveries_endpoint_idx on deliveries (endpoint_id, id);
create index deliveries_created_idx on deliveries (created_at);

create table attempts (
  id text primary key,
  delivery_id text not null references deliveries (id) on delete cascade,
  number int not null,
  attempted_at timestamptz not null,
  duration_ms int not null,
  result text not null,
  response_status int,
  -- At most RESPONSE_BODY_KEPT_BYTES of what the endpoint answered.
  response_body text,
  error text,
  constraint attempts_number_unique unique (delivery_id, number),
  constraint attempts_result_known check (
    result in ('succeeded', 'http_status', 'timeout', 'connection_error', 'blocked')
  )
);
