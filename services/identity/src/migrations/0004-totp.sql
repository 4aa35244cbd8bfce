-- TOTP second factor (ADR 0026). One authenticator per user: a row is pending until a first code
-- confirms it, and only a confirmed row makes login ask for a code. The secret sits in a column of its
-- own, so that encryption at rest can later be applied to exactly this column.
create table user_totp (
  user_id text primary key references users (id),
  secret text not null,
  created_at timestamptz not null,
  confirmed_at timestamptz,
  -- The RFC 6238 time step of the last code accepted: a code is accepted only for a later step, so a
  -- code seen once (over a shoulder, in a log) cannot be replayed inside its window.
  last_time_step bigint
);

-- Ten single-use codes per confirmation, for a lost device. They are 80 random bits, so SHA-256 is a
-- safe way to store them (as for refresh tokens); used ones are kept until the next confirmation.
create table totp_recovery_codes (
  user_id text not null references users (id),
  code_hash bytea not null,
  created_at timestamptz not null,
  used_at timestamptz,
  primary key (user_id, code_hash)
);
