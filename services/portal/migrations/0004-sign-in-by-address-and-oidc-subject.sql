-- depends: 0003-accounts-by-organisation-and-coordinator
-- Failed sign-ins are counted per client address as well as per username (domain/throttle.py); a
-- name no account has is kept under the address only (username NULL), so guessed names never fill
-- the table.
ALTER TABLE sign_in_failures ALTER COLUMN username DROP NOT NULL;
ALTER TABLE sign_in_failures ADD COLUMN client_address text;
CREATE INDEX sign_in_failures_by_address ON sign_in_failures (client_address, failed_at);

-- An account that signs in through the organisation's OpenID Connect provider is bound to the
-- provider's issuer and `sub` (stable and never reassigned), not to the changeable username claim:
-- stored on its first sign-in there; a later sign-in with the same username but another `sub` is refused.
ALTER TABLE accounts ADD COLUMN oidc_issuer text;
ALTER TABLE accounts ADD COLUMN oidc_subject text;
ALTER TABLE accounts ADD CONSTRAINT accounts_oidc_identity UNIQUE (oidc_issuer, oidc_subject);
