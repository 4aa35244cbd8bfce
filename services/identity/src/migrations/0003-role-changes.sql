-- Who changed whose roles, from what to what, and in which request: the audit trail of
-- PUT /v1/admin/users/{id}/roles and `npm run user:roles`. A trail that can be edited proves nothing, so
-- no role, the service's own included, may change or remove a row once written.
create table role_changes (
  id text primary key,
  user_id text not null references users (id),
  -- The admin's user id, or 'cli' for the operator's command on the database host.
  changed_by text not null,
  roles_before text[] not null,
  roles_after text[] not null,
  trace_id text,
  changed_at timestamptz not null
);
create index role_changes_user on role_changes (user_id, changed_at);

create function role_changes_insert_only() returns trigger language plpgsql as $$
begin
  raise exception 'role_changes is insert-only: % refused', tg_op using errcode = '42501';
end
$$;
create trigger role_changes_insert_only before update or delete on role_changes
  for each row execute function role_changes_insert_only();
create trigger role_changes_no_truncate before truncate on role_changes
  for each statement execute function role_changes_insert_only();
