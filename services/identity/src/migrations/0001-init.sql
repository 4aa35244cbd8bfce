-- Users, their refresh-token families, login failures for throttling, service clients and signing keys.
create table users (
  id text primary key,
  email text not null,
  email_normalized text not null,
  name text not null,
  password_hash text not null,
  roles text[] not null default '{customer}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint users_email_unique unique (email_normalized),
  constraint users_roles_known check (
    cardinality(roles) > 0 and roles <@ array['customer', 'agent', 'operator', 'admin']::text[]
  )
);

-- Refresh tokens are stored only as SHA-256 hashes; a family is one login's chain of rotations, so the
-- reuse of a rotated token can revoke everything issued from that login.
create table refresh_tokens (
  id text primary key,
  family_id text not null,
  user_id text not null references users (id),
  token_hash bytea not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  constraint refresh_tokens_hash_unique unique (token_hash)
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);

create table login_failures (
  id bigint generated always as identity primary key,
  email_normalized text not null,
  ip text not null,
  at timestamptz not null
);
create index login_failures_email_idx on login_failures (email_normalized, at);
create index login_failures_ip_idx on login_failures (ip, at);

create table service_clients (
  id text primary key,
  client_id text not null,
  name text not null,
  secret_hash bytea not null,
  created_at timestamptz not null,
  disabled_at timestamptz,
  constraint service_clients_client_id_unique unique (client_id)
);

create table signing_keys (
  kid text primary key,
  private_jwk jsonb not null,
  public_jwk jsonb not null,
  created_at timestamptz not null,
  retired_at timestamptz
);
