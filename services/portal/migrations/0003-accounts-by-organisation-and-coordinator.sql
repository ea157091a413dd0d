-- depends: 0002-sign-in-failures
-- A person whose organisation signs them in through its OpenID Connect provider needs no password
-- here; such an account has none, so no password can ever open it.
ALTER TABLE accounts ALTER COLUMN password_hash DROP NOT NULL;

-- Who opened and who closed an account (a coordinator's account id; NULL: the command line), so the
-- accounts themselves are traceable to a person too.
ALTER TABLE accounts ADD COLUMN created_by uuid REFERENCES accounts (account_id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN closed_by uuid REFERENCES accounts (account_id) ON DELETE SET NULL;
