-- Private signing keys encrypted at rest (ADR 0027). A key is stored sealed under SECRETS_KEY in
-- private_jwk_sealed (`v1.<keyId>.<iv>.<ciphertext>.<tag>`); private_jwk keeps the plain JSON only for rows
-- written before encryption existed, or by a development run without SECRETS_KEY. Identity seals such rows,
-- and re-seals rows under an older key, at start (infra/signing-keys.ts): SQL cannot encrypt.
alter table signing_keys add column private_jwk_sealed text;
alter table signing_keys alter column private_jwk drop not null;
alter table signing_keys add constraint signing_keys_private_key_present
  check (private_jwk is not null or private_jwk_sealed is not null);
