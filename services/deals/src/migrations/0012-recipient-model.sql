-- The recipient model of the API contract (ADR 0030): the legal types under the contract's names, and
-- each profile's role in a split. Existing rows keep their meaning: a person is an individual, an
-- entrepreneur a sole proprietor; every existing profile was a user's own, so it is an agent's.
alter table recipients drop constraint recipients_legal_type_check;
update recipients
   set legal_type = case legal_type when 'person' then 'individual' else 'sole_proprietor' end
 where legal_type in ('person', 'entrepreneur');
alter table recipients add constraint recipients_legal_type_check
  check (legal_type in ('individual', 'self_employed', 'sole_proprietor', 'company'));
alter table recipients add column role text not null default 'agent'
  check (role in ('agent', 'agency', 'lead', 'platform_fee'));
