-- The portal's own storage: who may sign in, and their sessions. No domain data lives here
-- (cards, uses and figures stay in issuance, usage and stats), and no personal data of card holders.
CREATE TABLE accounts (
    account_id    uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 3 AND 100),
    password_hash text NOT NULL,                    -- argon2id (argon2-cffi), never the password
    role          text NOT NULL CHECK (role IN ('national', 'region_admin', 'distributor', 'venue')),
    region_id     text,                             -- not for national
    org_id        text,                             -- the distributor or venue the person works for
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (role = 'national' OR region_id IS NOT NULL),
    CHECK (role NOT IN ('distributor', 'venue') OR org_id IS NOT NULL)
);

CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,                   -- sha256 of the cookie's token: a leaked table signs no one in
    account_id  uuid NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb  -- small page state, e.g. the clerk's last recorded uses
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
