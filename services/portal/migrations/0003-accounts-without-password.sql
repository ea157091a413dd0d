-- depends: 0002-sign-in-failures
-- A person whose organisation signs them in through its OpenID Connect provider needs no password
-- here; such an account has none, so no password can ever open it.
ALTER TABLE accounts ALTER COLUMN password_hash DROP NOT NULL;
