-- TOTP secrets encrypted at rest (ADR 0027), as the signing keys are (0005). A secret is stored sealed under
-- SECRETS_KEY in secret_sealed (`v1.<keyId>.<iv>.<ciphertext>.<tag>`, the user's id authenticated with it);
-- secret keeps the base32 text only for rows written before encryption existed, or by a development run
-- without SECRETS_KEY. SQL cannot encrypt, so identity seals such rows, and re-seals rows under an older
-- key, at start (infra/totp-secrets.ts); a row is then sealed with secret null.
alter table user_totp add column secret_sealed text;
alter table user_totp alter column secret drop not null;
alter table user_totp add constraint user_totp_secret_present
  check (secret is not null or secret_sealed is not null);
